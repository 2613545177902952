using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Validation;
using BlueGreen.Orleans.Services;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

internal sealed class DeploymentsService(IClusterClient cluster, DeploymentWatch watch) : V1.Deployments.DeploymentsBase
{
    public override async Task<V1.Deployment> Release(V1.ReleaseRequest request, ServerCallContext context)
    {
        var service = Fields.Service(request.Service);
        var version = Fields.VersionTag(request.Version);
        return ProtoMapper.ToProto(await Grain(service).ReleaseAsync(version, ProtoMapper.ToContract(request)));
    }

    public override async Task<V1.Deployment> Promote(V1.PromoteRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).PromoteAsync(ProtoMapper.ToContract(request.Options)));

    public override async Task<V1.Deployment> Rollback(V1.RollbackRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).RollbackAsync(ProtoMapper.ToContract(request.Options)));

    public override async Task<V1.Deployment> Abort(V1.AbortRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).AbortAsync());

    public override async Task<V1.Deployment> Approve(V1.ApproveRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).ApproveAsync());

    public override async Task<V1.Deployment> GetDeployment(V1.GetDeploymentRequest request, ServerCallContext context)
    {
        var service = Fields.Service(request.Service);
        var id = Fields.Id(request.Id);
        var record = await Grain(service).GetDeploymentAsync(id);
        return record is null ? throw NotFound(service, id) : ProtoMapper.ToProto(record);
    }

    public override async Task<V1.ListDeploymentsResponse> ListDeployments(V1.ListDeploymentsRequest request, ServerCallContext context)
    {
        var service = Fields.Service(request.Service);
        var grain = Grain(service);
        if (await grain.GetAsync() is not { } info)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"service '{service}' does not exist."));
        }

        var response = new V1.ListDeploymentsResponse();
        response.Deployments.AddRange((await grain.ListDeploymentsAsync()).Select(d => ProtoMapper.ToProto(d)));
        response.Maintenance.AddRange(info.MaintenanceHistory.Select(ProtoMapper.ToProto));
        return response;
    }

    /// <summary>Streams every event of the deployment from its first one, then ends when the deployment ends (<see cref="DeploymentWatch"/>).</summary>
    public override Task WatchDeployment(V1.WatchDeploymentRequest request, IServerStreamWriter<V1.DeploymentUpdate> responseStream, ServerCallContext context) =>
        watch.RunAsync(Fields.Service(request.Service), Fields.Id(request.Id), Caller.Of(context), responseStream.WriteAsync, context.CancellationToken);

    private IServiceGrain Grain(string service) => cluster.GetGrain<IServiceGrain>(service);

    private static RpcException NotFound(string service, long id) => DeploymentWatch.NotFound(service, id);
}
