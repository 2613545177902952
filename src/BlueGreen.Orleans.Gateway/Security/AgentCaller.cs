using Grpc.Core;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>The agent a call was admitted as: the proxy its credential is bound to, decided by the server from the credential.</summary>
public sealed record AgentCaller(AgentCredential Credential)
{
    private const string Key = "bluegreen.agent";

    public string ProxyId => Credential.ProxyId;

    /// <summary>The agent the auth interceptor admitted this call as; refused when it admitted none.</summary>
    public static AgentCaller Of(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var caller) && caller is AgentCaller admitted
            ? admitted
            : throw new RpcException(new Status(StatusCode.PermissionDenied, "This call was not admitted with an agent credential."));

    internal void AttachTo(ServerCallContext context) => context.UserState[Key] = this;
}
