using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// A valid request for every request type of the API, aimed at one service of the stage: the cases change one field
/// of it at a time, so a refusal can only come from that field. A request type without a baseline fails the cases
/// that need it, naming the type, so a new RPC cannot go untested.
/// </summary>
public static class RequestBaselines
{
    public static IMessage For(MethodDescriptor method, GatewayStage stage, string service, long deploymentId = 1) => method.InputType.FullName switch
    {
        "bluegreen.v1.RegisterProxyRequest" => stage.RegisterRequest(),
        "bluegreen.v1.RemoveProxyRequest" => new V1.RemoveProxyRequest { Id = GatewayStage.ProxyId },
        "bluegreen.v1.GetProxyRequest" => new V1.GetProxyRequest { Id = GatewayStage.ProxyId },
        "bluegreen.v1.ListProxiesRequest" => new V1.ListProxiesRequest(),
        "bluegreen.v1.ApplyServiceRequest" => new V1.ApplyServiceRequest { Spec = stage.Spec(service) },
        "bluegreen.v1.GetServiceRequest" => new V1.GetServiceRequest { Name = service },
        "bluegreen.v1.ListServicesRequest" => new V1.ListServicesRequest(),
        "bluegreen.v1.DeleteServiceRequest" => new V1.DeleteServiceRequest { Name = service },
        "bluegreen.v1.SetMaintenanceRequest" => new V1.SetMaintenanceRequest { Name = service, Enabled = true, Message = "Back at 10:00 UTC" },
        "bluegreen.v1.ListInstancesRequest" => new V1.ListInstancesRequest { Services = { service } },
        // Held, with an auto-approve time: so the hold's duration is a field the cases can spoil too.
        "bluegreen.v1.ReleaseRequest" => new V1.ReleaseRequest { Service = service, Version = "2", Options = Options(), Hold = true, AutoApproveAfter = Duration.FromTimeSpan(TimeSpan.FromMinutes(10)) },
        "bluegreen.v1.PromoteRequest" => new V1.PromoteRequest { Service = service, Options = Options() },
        "bluegreen.v1.RollbackRequest" => new V1.RollbackRequest { Service = service, Options = Options() },
        "bluegreen.v1.AbortRequest" => new V1.AbortRequest { Service = service },
        "bluegreen.v1.ApproveRequest" => new V1.ApproveRequest { Service = service },
        "bluegreen.v1.GetDeploymentRequest" => new V1.GetDeploymentRequest { Service = service, Id = deploymentId },
        "bluegreen.v1.WatchDeploymentRequest" => new V1.WatchDeploymentRequest { Service = service, Id = deploymentId },
        "bluegreen.v1.ListDeploymentsRequest" => new V1.ListDeploymentsRequest { Service = service },
        "bluegreen.v1.GetCallerRequest" => new V1.GetCallerRequest(),
        _ => throw new InvalidOperationException(
            $"No valid baseline request for {method.InputType.FullName} ({RpcCatalog.PathOf(method)}): add one to RequestBaselines so its fields get hostile values and its auth is checked."),
    };

    /// <summary>Every deployment option set to a valid value, so each is a field the cases can spoil.</summary>
    private static V1.DeploymentOptions Options() => new()
    {
        HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(20)),
        DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
        KeepWarm = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
        VerifyWindow = Duration.FromTimeSpan(TimeSpan.Zero),
    };
}
