using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Services;
using Grpc.Core;
using Microsoft.Extensions.Options;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

/// <summary>
/// One watch of one deployment, whoever carries it (the gRPC <c>WatchDeployment</c> stream, or the browser's
/// server-sent events): every event from the first one, then one update per poll until the deployment ends. Bounded:
/// a token holds at most Gateway:MaxWatchStreamsPerToken watches, each for at most Gateway:MaxWatchDuration (then
/// DEADLINE_EXCEEDED, and the client watches again).
/// </summary>
internal sealed class DeploymentWatch(IClusterClient cluster, TimeProvider time, WatchLimiter watches, IOptions<GrpcGatewayOptions> options)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Calls <paramref name="write"/> with each update until the deployment ends or the caller goes.</summary>
    public async Task RunAsync(string service, long id, Caller caller, Func<V1.DeploymentUpdate, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var grain = cluster.GetGrain<IServiceGrain>(service);
        using var lease = watches.Enter(caller);
        var lifetime = options.Value.MaxWatchDuration;
        using var expiry = new CancellationTokenSource(lifetime, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var sent = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var record = await grain.GetDeploymentAsync(id) ?? throw NotFound(service, id);
                var update = new V1.DeploymentUpdate { Deployment = ProtoMapper.ToProto(record, withEvents: false) };
                update.Events.AddRange(record.Events.Where(e => e.Sequence > sent).Select(ProtoMapper.ToProto));
                await write(update, stop.Token);
                sent = record.Events.Count == 0 ? sent : record.Events[^1].Sequence;
                if (record.IsFinished)
                {
                    return;
                }

                await Task.Delay(Interval, time, stop.Token);
            }
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"a watch stream lasts at most {lifetime} (Gateway:MaxWatchDuration); watch again to go on."));
        }
    }

    public static RpcException NotFound(string service, long id) =>
        new(new Status(StatusCode.NotFound, $"service '{service}' has no deployment {id}."));
}
