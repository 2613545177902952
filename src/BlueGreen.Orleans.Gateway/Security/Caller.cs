using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>Who a call was admitted as: the name of the token it presented and that token's role.</summary>
public sealed record Caller(string Name, TokenRole Role)
{
    private const string Key = "bluegreen.caller";

    /// <summary>The caller of a server where authentication is switched off (Gateway:RequireAuthentication=false).</summary>
    public static Caller Anonymous { get; } = new("anonymous", TokenRole.Admin);

    /// <summary>The caller the auth interceptor admitted this call as; refused when it admitted none (a public method).</summary>
    public static Caller Of(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var caller) && caller is Caller admitted
            ? admitted
            : throw new RpcException(new Status(StatusCode.PermissionDenied, "This call was not admitted with a token."));

    /// <summary>The caller <see cref="HttpAdmission"/> admitted an HTTP request of a non-gRPC endpoint as.</summary>
    public static Caller Of(HttpContext http) =>
        http.Items.TryGetValue(Key, out var caller) && caller is Caller admitted
            ? admitted
            : throw new RpcException(new Status(StatusCode.PermissionDenied, "This request was not admitted with a token."));

    internal void AttachTo(ServerCallContext context) => context.UserState[Key] = this;

    internal void AttachTo(HttpContext http) => http.Items[Key] = this;
}
