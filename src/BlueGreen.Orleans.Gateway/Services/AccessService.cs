using BlueGreen.Orleans.Gateway.Security;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

/// <summary>Tells a caller the name and role of the token it was admitted with (the auth interceptor's decision).</summary>
internal sealed class AccessService : V1.Access.AccessBase
{
    public override Task<V1.CallerInfo> GetCaller(V1.GetCallerRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        return Task.FromResult(new V1.CallerInfo
        {
            Name = caller.Name,
            Role = caller.Role == TokenRole.Admin ? V1.TokenRole.Admin : V1.TokenRole.Read,
        });
    }
}
