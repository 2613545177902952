using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using BlueGreen.Orleans.Agent.Options;
using BlueGreen.Orleans.Agent.Snapshots;
using BlueGreen.Orleans.Rules;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Agent.Control;

/// <summary>
/// The dial-out half: one <c>Agents.Connect</c> stream at a time to the gateway, over TLS with the agent credential,
/// reconnecting with exponential backoff and jitter (Polly). Each stream starts with a hello carrying the held version
/// (the server answers with a newer version, or nothing), then forwards the server's routes and commands to
/// <see cref="AgentCore"/> and the agent's acks and snapshot changes to the server. All HAProxy logic is in
/// <see cref="AgentCore"/>; this class only moves messages.
/// </summary>
internal sealed partial class ControlPlaneClient(AgentOptions options, AgentCore core, AgentEvents events, TimeProvider time, ILogger<ControlPlaneClient> logger)
{
    /// <summary>A stream that lasted this long was healthy: its end starts the backoff from the beginning again.</summary>
    private static readonly TimeSpan HealthyStream = TimeSpan.FromSeconds(30);

    private static readonly string AgentVersion =
        typeof(ControlPlaneClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } version
            ? version[..Math.Min(version.Length, 128)]
            : "unknown";

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var channel = OpenChannel();
        var client = new V1.Agents.AgentsClient(channel);
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>().Handle<IOException>().Handle<HttpRequestException>().Handle<UnauthorizedAccessException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = retry =>
                {
                    Log.Disconnected(logger, retry.Outcome.Exception?.Message ?? "stream ended", retry.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await pipeline.ExecuteAsync(async token => await StreamAsync(client, token), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever went wrong with the stream, the tick loop (HAProxy's routes) must not stop with it.
                Log.StreamFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One stream. Returns normally only after a healthy one, so the next starts without backoff; throws otherwise.</summary>
    private async Task StreamAsync(V1.Agents.AgentsClient client, CancellationToken cancellationToken)
    {
        // Read at every connect: a re-issued credential is picked up without restarting the agent.
        var headers = new Metadata { { "authorization", "Bearer " + AgentCommandLine.ReadCredential(options.CredentialFile) } };
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = client.Connect(headers, cancellationToken: stream.Token);
        var opened = time.GetTimestamp();
        using var writer = new RequestWriter(call.RequestStream);
        await writer.WriteAsync(new V1.AgentMessage { Hello = Hello() }, stream.Token);
        Log.Connected(logger, options.Server.ToString(), core.Routes.HeldVersion);

        var receiving = ReceiveAsync(call.ResponseStream, writer, stream.Token);
        var sending = SendAsync(writer, stream.Token);
        var first = await Task.WhenAny(receiving, sending);
        await stream.CancelAsync();
        try
        {
            await Task.WhenAll(receiving, sending);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The other half, stopped because the first one ended.
        }

        await first;
        if (time.GetElapsedTime(opened) < HealthyStream)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the server ended the stream."));
        }
    }

    private async Task ReceiveAsync(IAsyncStreamReader<V1.ServerMessage> responses, RequestWriter writer, CancellationToken cancellationToken)
    {
        while (await responses.MoveNext(cancellationToken))
        {
            var message = responses.Current;
            switch (message.BodyCase)
            {
                case V1.ServerMessage.BodyOneofCase.Routes:
                    // Two acks: as soon as HAProxy's runtime map has the version, and once the agent's disk has it too.
                    var result = await core.OfferAsync(
                        ProtoMapper.ToDesired(message.Routes),
                        early => writer.WriteAsync(new V1.AgentMessage { RoutesAck = ProtoMapper.ToAck(early) }, cancellationToken),
                        cancellationToken);
                    await writer.WriteAsync(new V1.AgentMessage { RoutesAck = ProtoMapper.ToAck(result) }, cancellationToken);
                    break;
                case V1.ServerMessage.BodyOneofCase.Command when ProtoMapper.ToRequest(message.Command) is { } request:
                    var outcome = await core.ExecuteAsync(request, cancellationToken);
                    await writer.WriteAsync(new V1.AgentMessage { CommandResult = ProtoMapper.ToResult(outcome) }, cancellationToken);
                    break;
                default:
                    // A newer server's message this agent does not know: said once, not fatal.
                    Log.UnknownMessage(logger, message.BodyCase.ToString());
                    break;
            }
        }
    }

    /// <summary>The agent's own acks, and each tick's snapshot as a change against the last one sent on this stream.</summary>
    private async Task SendAsync(RequestWriter writer, CancellationToken cancellationToken)
    {
        FleetSnapshot? sent = null;
        while (true)
        {
            var ack = events.Acks.WaitToReadAsync(cancellationToken).AsTask();
            var snapshot = events.Snapshots.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(ack, snapshot);
            while (events.Acks.TryRead(out var result))
            {
                await writer.WriteAsync(new V1.AgentMessage { RoutesAck = ProtoMapper.ToAck(result) }, cancellationToken);
            }

            if (events.Snapshots.TryRead(out var current))
            {
                // Also when nothing changed: the message's read_at is what keeps the server's view from going stale.
                foreach (var message in ProtoMapper.ToSnapshots(SnapshotDiff.Compute(sent, current)))
                {
                    await writer.WriteAsync(new V1.AgentMessage { Snapshot = message }, cancellationToken);
                }

                sent = current;
            }
        }
    }

    private V1.AgentHello Hello()
    {
        var seen = core.LastSeen;
        return new V1.AgentHello
        {
            ProxyId = options.ProxyId,
            AgentVersion = AgentVersion,
            HeldVersion = core.Routes.HeldVersion,
            Converged = core.Routes.Converged,
            HaproxyPid = seen?.WorkerPid ?? 0,
            HaproxyUptimeSeconds = seen?.UptimeSeconds ?? 0,
            HaproxyVersion = seen?.Version is { } version ? version[..Math.Min(version.Length, 128)] : string.Empty,
            AgentStartedAt = Timestamp.FromDateTimeOffset(_startedAt),
            Tick = Duration.FromTimeSpan(options.Tick),
        };
    }

    /// <summary>
    /// With a CA file, the server's chain must end at one of its certificates and nowhere else (the host name is still
    /// checked), as the CLI does.
    /// </summary>
    private GrpcChannel OpenChannel()
    {
        var handler = new SocketsHttpHandler
        {
            // The one stream is long-lived: ping it so a dead path is noticed and the agent reconnects.
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (options.CaFile is not null && options.Server.Scheme == Uri.UriSchemeHttps)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(CertificateAuthorities.Load(options.CaFile));
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }

        return GrpcChannel.ForAddress(options.Server, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>Serializes writes: the receive half (acks, results) and the send half (snapshots) share one request stream.</summary>
    private sealed class RequestWriter(IClientStreamWriter<V1.AgentMessage> requests) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task WriteAsync(V1.AgentMessage message, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await requests.WriteAsync(message, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose() => _gate.Dispose();
    }
}
