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
/// what the agent reports reaches its proxy grain coalesced, at most once a second, and every answer of the grain says
/// whether the stream goes on (a re-issued credential or a newer stream elsewhere cuts it). Pushing routes and commands
/// comes in a later step.
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
        streams.Open(agent.ProxyId, stream, cut);
        try
        {
            if (await grain.AgentConnectedAsync(agent.Credential.Digest, stream, ProtoMapper.ToContract(hello)) != AgentVerdict.Current)
            {
                throw Revoked();
            }

            var report = new AgentStreamReport();
            var reading = ReadAsync(requestStream, report, cut.Token);
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
    private static async Task ReadAsync(IAsyncStreamReader<V1.AgentMessage> requestStream, AgentStreamReport report, CancellationToken cancellationToken)
    {
        while (await requestStream.MoveNext(cancellationToken))
        {
            var message = requestStream.Current;
            switch (message.BodyCase)
            {
                case V1.AgentMessage.BodyOneofCase.RoutesAck:
                    AgentMessageLimits.Check(message.RoutesAck);
                    report.Acknowledged(message.RoutesAck.HeldVersion);
                    break;
                case V1.AgentMessage.BodyOneofCase.Snapshot:
                    AgentMessageLimits.Check(message.Snapshot);
                    var snapshot = message.Snapshot;
                    if (snapshot.ReadAt is { } readAt)
                    {
                        report.Snapshot(readAt.ToDateTimeOffset(), snapshot.HaproxyPid == 0 ? null : snapshot.HaproxyPid, snapshot.Error.Length == 0 ? null : snapshot.Error);
                    }

                    break;
                case V1.AgentMessage.BodyOneofCase.CommandResult:
                    AgentMessageLimits.Check(message.CommandResult);
                    break;
                default:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "only the first message of a stream is a hello; an empty message is refused."));
            }
        }
    }

    /// <summary>Once a second: what the stream learned (or a heartbeat) to the grain. Returns when the grain says the stream must end.</summary>
    private async Task ReportAsync(IProxyGrain grain, AgentCaller agent, Guid stream, AgentStreamReport report, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(ReportInterval, time, cancellationToken);
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
