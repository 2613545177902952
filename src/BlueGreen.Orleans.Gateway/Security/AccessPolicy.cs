using System.Collections.Frozen;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// The one list of who may call what, keyed by the full name of the gRPC method an endpoint is bound to (the
/// method's own name from its descriptor, never the request path: routing matches paths case-insensitively, so
/// <c>/BlueGreen.v1.Services/ApplyService</c> reaches ApplyService). A method in no list is refused to everybody.
/// </summary>
public static class AccessPolicy
{
    private static readonly FrozenDictionary<string, MethodAccess> Methods = new Dictionary<string, MethodAccess>(StringComparer.Ordinal)
    {
        // Public on purpose: load balancers and orchestrators probe health without credentials, and reflection only
        // describes the API (grpcurl needs it); neither reads or changes any state of the fleet.
        ["/grpc.health.v1.Health/Check"] = MethodAccess.Public,
        ["/grpc.health.v1.Health/List"] = MethodAccess.Public,
        ["/grpc.health.v1.Health/Watch"] = MethodAccess.Public,
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = MethodAccess.Public,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = MethodAccess.Public,

        ["/bluegreen.v1.Proxies/RegisterProxy"] = MethodAccess.Admin,
        ["/bluegreen.v1.Proxies/RemoveProxy"] = MethodAccess.Admin,
        ["/bluegreen.v1.Proxies/ListProxies"] = MethodAccess.Read,
        ["/bluegreen.v1.Proxies/GetProxy"] = MethodAccess.Read,

        ["/bluegreen.v1.Services/ApplyService"] = MethodAccess.Admin,
        ["/bluegreen.v1.Services/DeleteService"] = MethodAccess.Admin,
        ["/bluegreen.v1.Services/GetService"] = MethodAccess.Read,
        ["/bluegreen.v1.Services/ListServices"] = MethodAccess.Read,
        ["/bluegreen.v1.Services/ListInstances"] = MethodAccess.Read,
        ["/bluegreen.v1.Services/SetMaintenance"] = MethodAccess.Admin,

        ["/bluegreen.v1.Deployments/Release"] = MethodAccess.Admin,
        ["/bluegreen.v1.Deployments/Promote"] = MethodAccess.Admin,
        ["/bluegreen.v1.Deployments/Rollback"] = MethodAccess.Admin,
        ["/bluegreen.v1.Deployments/Abort"] = MethodAccess.Admin,
        ["/bluegreen.v1.Deployments/Approve"] = MethodAccess.Admin,
        ["/bluegreen.v1.Deployments/GetDeployment"] = MethodAccess.Read,
        ["/bluegreen.v1.Deployments/ListDeployments"] = MethodAccess.Read,
        ["/bluegreen.v1.Deployments/WatchDeployment"] = MethodAccess.Read,

        // The name and role of the caller's own token: what the web view shows actions by.
        ["/bluegreen.v1.Access/GetCaller"] = MethodAccess.Read,

        ["/bluegreen.v1.Agents/Connect"] = MethodAccess.Agent,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every listed method with its access.</summary>
    public static IReadOnlyDictionary<string, MethodAccess> All => Methods;

    /// <summary>The access of a method by its full name (<c>/package.Service/Method</c>), or null: refused to all.</summary>
    public static MethodAccess? Of(string fullMethodName) => Methods.TryGetValue(fullMethodName, out var access) ? access : null;
}
