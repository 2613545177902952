using BlueGreen.Orleans.Gateway.Agents;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Proxies;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

/// <summary>
/// The gateway's half of an agent's stream (agent.proto): the hello must name the proxy the credential is bound to;
/// what the agent reports reaches its proxy grain as soon as it arrives, one report at a time (what arrives meanwhile is
/// merged into the next), with a heartbeat every second when nothing does; every answer of the grain says
/// whether the stream goes on (a re-issued credential or a newer stream elsewhere cuts it). The grain reaches back down
/// the stream through an <see cref="AgentLink"/> (an Orleans observer given with the hello): routes and commands go
/// down, their answers come back through <see cref="ReadAsync"/>.
/// </summary>
internal sealed partial class AgentsService(IClusterClient cluster, AgentStreams streams, TimeProvider time, ILogger<AgentsService> logger) : V1.Agents.AgentsBase
{
    internal static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    public override async Task Connect(IAsyncStreamReader<V1.AgentMessage> requestStream, IServerStreamWriter<V1.ServerMessage> responseStream, ServerCallContext context)
    {
        var agent = AgentCaller.Of(context);
        var hello = await ReadHelloAsync(requestStream, context.CancellationToken);
        if (!string.Equals(hello.ProxyId, agent.ProxyId, StringComparison.Ordinal))
        {
            // Bound by the credential, never by what the hello says; neither the credential nor the text is logged.
            Log.WrongProxy(logger, agent.ProxyId);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "hello.proxy_id is not the proxy this credential is bound to."));
        }

        var stream = Guid.NewGuid();
        var grain = cluster.GetGrain<IProxyGrain>(agent.ProxyId);
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        using var link = new AgentLink(agent.ProxyId, responseStream);
        var reference = cluster.CreateObjectReference<IAgentLink>(link);
        streams.Open(agent.ProxyId, stream, cut);
        var reading = Task.CompletedTask;
        try
        {
            // Reading starts before the grain hears of the stream: its first push may come at once and wait for an ack.
            var report = new AgentStreamReport(agent.ProxyId);
            reading = ReadAsync(requestStream, report, link, cut.Token);
            if (await grain.AgentConnectedAsync(agent.Credential.Digest, stream, ProtoMapper.ToContract(hello), reference) != AgentVerdict.Current)
            {
                throw Revoked();
            }

            var reporting = ReportAsync(grain, agent, stream, report, cut.Token);
            var first = await Task.WhenAny(reading, reporting);
            var cutHere = cut.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested;
            await cut.CancelAsync();
            await Task.WhenAll(reading, reporting).ContinueWith(_ => { }, TaskScheduler.Default);
            if (context.CancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (cutHere || (first == reporting && reporting.IsCompletedSuccessfully))
            {
                throw Revoked();
            }

            // A refusal of the reader (a limit) or a failed grain call; the agent ending its side returns normally.
            await first;
        }
        finally
        {
            link.End("the agent stream ended");
            await cut.CancelAsync();
            await reading.ContinueWith(_ => { }, TaskScheduler.Default);
            cluster.DeleteObjectReference<IAgentLink>(reference);
            streams.Close(agent.ProxyId, stream);
            await grain.AgentDisconnectedAsync(stream);
        }
    }

    private static async Task<V1.AgentHello> ReadHelloAsync(IAsyncStreamReader<V1.AgentMessage> requestStream, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HelloTimeout);
        bool any;
        try
        {
            any = await requestStream.MoveNext(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "no hello within 10 s."));
        }

        if (!any || requestStream.Current.BodyCase != V1.AgentMessage.BodyOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message of an agent stream must be a hello."));
        }

        var hello = requestStream.Current.Hello;
        AgentMessageLimits.Check(hello);
        return hello;
    }

    /// <summary>Every message after the hello, checked against the limits and noted for the next report. Ends when the agent does.</summary>
    private static async Task ReadAsync(IAsyncStreamReader<V1.AgentMessage> requestStream, AgentStreamReport report, AgentLink link, CancellationToken cancellationToken)
    {
        while (await requestStream.MoveNext(cancellationToken))
        {
            var message = requestStream.Current;
            switch (message.BodyCase)
            {
                case V1.AgentMessage.BodyOneofCase.RoutesAck:
                    AgentMessageLimits.Check(message.RoutesAck);
                    report.Acknowledged(message.RoutesAck, urgent: !link.Acknowledged(message.RoutesAck));
                    break;
                case V1.AgentMessage.BodyOneofCase.Snapshot:
                    AgentMessageLimits.Check(message.Snapshot);
                    report.Snapshot(message.Snapshot);
                    break;
                case V1.AgentMessage.BodyOneofCase.CommandResult:
                    AgentMessageLimits.Check(message.CommandResult);
                    link.Answered(message.CommandResult);
                    break;
                default:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first message of a stream is a hello; an empty message is refused."));
            }
        }
    }

    /// <summary>
    /// What the stream learned, to the grain as soon as it arrives but one report at a time (what arrives meanwhile is
    /// merged into the next), and a heartbeat when nothing did for <see cref="ReportInterval"/>. Returns when the grain
    /// says the stream must end.
    /// </summary>
    private async Task ReportAsync(IProxyGrain grain, AgentCaller agent, Guid stream, AgentStreamReport report, CancellationToken cancellationToken)
    {
        while (true)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var ready = report.ReadyAsync(wait.Token);
                await Task.WhenAny(ready, Task.Delay(ReportInterval, time, wait.Token));
                await wait.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            var verdict = await grain.AgentReportedAsync(agent.Credential.Digest, stream, report.Take());
            if (verdict != AgentVerdict.Current)
            {
                Log.Cut(logger, agent.ProxyId, verdict.ToString());
                return;
            }
        }
    }

    private static RpcException Revoked() =>
        new(new Status(StatusCode.Unauthenticated, "this stream was cut: its credential was re-issued or another stream of the proxy replaced it."));
}
