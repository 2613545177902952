using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Validation;
using BlueGreen.Orleans.Services;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

internal sealed class DeploymentsService(IClusterClient cluster, TimeProvider time, WatchLimiter watches, IOptions<GrpcGatewayOptions> options) : V1.Deployments.DeploymentsBase
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(100);

    public override async Task<V1.Deployment> Release(V1.ReleaseRequest request, ServerCallContext context)
    {
        var service = Fields.Service(request.Service);
        var version = Fields.VersionTag(request.Version);
        return ProtoMapper.ToProto(await Grain(service).ReleaseAsync(version, ProtoMapper.ToContract(request.Options)));
    }

    public override async Task<V1.Deployment> Promote(V1.PromoteRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).PromoteAsync(ProtoMapper.ToContract(request.Options)));

    public override async Task<V1.Deployment> Rollback(V1.RollbackRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).RollbackAsync(ProtoMapper.ToContract(request.Options)));

    public override async Task<V1.Deployment> Abort(V1.AbortRequest request, ServerCallContext context) =>
        ProtoMapper.ToProto(await Grain(Fields.Service(request.Service)).AbortAsync());

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
        if (await grain.GetAsync() is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"service '{service}' does not exist."));
        }

        var response = new V1.ListDeploymentsResponse();
        response.Deployments.AddRange((await grain.ListDeploymentsAsync()).Select(d => ProtoMapper.ToProto(d)));
        return response;
    }

    /// <summary>
    /// Streams every event of the deployment from its first one, then ends when the deployment ends. Bounded: a token
    /// holds at most Gateway:MaxWatchStreamsPerToken streams, each for at most Gateway:MaxWatchDuration (then
    /// DEADLINE_EXCEEDED, and the client watches again).
    /// </summary>
    public override async Task WatchDeployment(V1.WatchDeploymentRequest request, IServerStreamWriter<V1.DeploymentUpdate> responseStream, ServerCallContext context)
    {
        var service = Fields.Service(request.Service);
        var id = Fields.Id(request.Id);
        var grain = Grain(service);
        using var lease = watches.Enter(Caller.Of(context));
        var lifetime = options.Value.MaxWatchDuration;
        using var expiry = new CancellationTokenSource(lifetime, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, expiry.Token);
        var sent = 0;
        try
        {
            while (!context.CancellationToken.IsCancellationRequested)
            {
                var record = await grain.GetDeploymentAsync(id) ?? throw NotFound(service, id);
                var update = new V1.DeploymentUpdate { Deployment = ProtoMapper.ToProto(record, withEvents: false) };
                update.Events.AddRange(record.Events.Where(e => e.Sequence > sent).Select(ProtoMapper.ToProto));
                await responseStream.WriteAsync(update, stop.Token);
                sent = record.Events.Count == 0 ? sent : record.Events[^1].Sequence;
                if (record.IsFinished)
                {
                    return;
                }

                await Task.Delay(WatchInterval, time, stop.Token);
            }
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"a watch stream lasts at most {lifetime} (Gateway:MaxWatchDuration); watch again to go on."));
        }
    }

    private IServiceGrain Grain(string service) => cluster.GetGrain<IServiceGrain>(service);

    private static RpcException NotFound(string service, long id) =>
        new(new Status(StatusCode.NotFound, $"service '{service}' has no deployment {id}."));
}
