using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// <c>stream-floor</c>'s server side: the agents' gRPC service (<c>Agents.Connect</c>) on Kestrel, HTTP/2 over TLS on
/// 127.0.0.1 (or in cleartext), holding one stream per peer and nothing else. A push writes one routes message down every
/// stream at once and waits for every first ack of that version; snapshots and later acks are read and dropped. No
/// credential is checked: only streams whose hello names a peer of the current fleet are kept, all on loopback.
/// </summary>
internal sealed class StreamFloorGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Streams _streams;
    private long _version;

    private StreamFloorGateway(WebApplication app, Streams streams, string url)
    {
        _app = app;
        _streams = streams;
        Url = url;
    }

    public string Url { get; }

    /// <param name="certificate">The server certificate for TLS; null: HTTP/2 in cleartext (prior knowledge), as on loopback.</param>
    public static async Task<StreamFloorGateway> StartAsync(X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var streams = new Streams();
        builder.Services.AddSingleton(streams);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<FloorAgents>();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new StreamFloorGateway(app, streams, address);
    }

    /// <summary>The peers of the next fleet: streams of any other id are refused, and those of the last fleet forgotten.</summary>
    public void Expect(IReadOnlyCollection<string> ids)
    {
        _streams.Expected = [.. ids];
        _streams.Open.Clear();
    }

    public async Task AllConnectedAsync(TimeSpan timeout, Func<string?> exitedPeerOutput, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (_streams.Open.Count < _streams.Expected.Count)
        {
            if (exitedPeerOutput() is { } output)
            {
                throw new InvalidOperationException($"a stream peer exited: {output}");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{_streams.Open.Count} of {_streams.Expected.Count} streams connected within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// One routes message down every stream at once; the time to the last first ack read, and from the first to the last.
    /// With <paramref name="settle"/> (real agents, which ack twice), returns only once every final ack came too, as a
    /// server's deployment goes on only then: the agents' writes after their first ack do not spill into the next round.
    /// </summary>
    public async Task<(double Duration, double Skew)> PushAsync(Dictionary<string, string> routes, bool settle, CancellationToken cancellationToken)
    {
        var message = new V1.ServerMessage { Routes = new V1.DesiredRoutes { Version = Interlocked.Increment(ref _version) } };
        message.Routes.Routes.Add(routes);
        var streams = _streams.Open.Values.ToList();
        if (streams.Count != _streams.Expected.Count)
        {
            // A peer whose stream ended would leave a round of fewer proxies, measured as if it were N.
            throw new InvalidOperationException($"{streams.Count} of {_streams.Expected.Count} streams are open.");
        }

        var start = Stopwatch.GetTimestamp();
        var acks = await Task.WhenAll(streams.Select(s => s.PushAsync(message))).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        if (settle)
        {
            await Task.WhenAll(streams.Select(s => s.Settled)).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        return (Stopwatch.GetElapsedTime(start, acks.Max()).TotalMilliseconds, Stopwatch.GetElapsedTime(acks.Min(), acks.Max()).TotalMilliseconds);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Streams
    {
        public HashSet<string> Expected { get; set; } = [];

        public ConcurrentDictionary<string, PeerStream> Open { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>One peer's stream: one push at a time (the bench waits for every ack before the next).</summary>
    private sealed class PeerStream(IServerStreamWriter<V1.ServerMessage> writer)
    {
        private TaskCompletionSource<long>? _waiting;
        private TaskCompletionSource? _settled;
        private long _version;

        /// <summary>The last push's final ack (any but a runtime one) came.</summary>
        public Task Settled => _settled?.Task ?? Task.CompletedTask;

        public async Task<long> PushAsync(V1.ServerMessage message)
        {
            var waiting = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            (_settled, _waiting) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), waiting);
            Volatile.Write(ref _version, message.Routes.Version);
            await writer.WriteAsync(message);
            return await waiting.Task;
        }

        /// <summary>
        /// The first ack's arrival time, taken as it is read. An ack that does not say the version is held (refused,
        /// stale, failed) fails the round: it would be timed as a switch that did not happen.
        /// </summary>
        public void Acknowledged(V1.RoutesAck ack)
        {
            var read = Stopwatch.GetTimestamp();
            if (ack.Version != Volatile.Read(ref _version))
            {
                return;
            }

            if (ack.Status is not (V1.RoutesAckStatus.RuntimeApplied or V1.RoutesAckStatus.Applied))
            {
                var failed = new InvalidOperationException($"routes version {ack.Version} acknowledged {ack.Status}: {ack.Error}");
                _waiting?.TrySetException(failed);
                _settled?.TrySetException(failed);
                return;
            }

            _waiting?.TrySetResult(read);
            if (ack.Status == V1.RoutesAckStatus.Applied)
            {
                _settled?.TrySetResult();
            }
        }

        public void Ended()
        {
            _waiting?.TrySetException(new IOException("the peer's stream ended."));
            _settled?.TrySetException(new IOException("the peer's stream ended."));
        }
    }

    private sealed class FloorAgents(Streams streams) : V1.Agents.AgentsBase
    {
        public override async Task Connect(IAsyncStreamReader<V1.AgentMessage> requestStream, IServerStreamWriter<V1.ServerMessage> responseStream, ServerCallContext context)
        {
            if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.Hello is not { } hello || !streams.Expected.Contains(hello.ProxyId))
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied, "not a peer of this fleet."));
            }

            var stream = new PeerStream(responseStream);
            streams.Open[hello.ProxyId] = stream;
            try
            {
                while (await requestStream.MoveNext(context.CancellationToken))
                {
                    if (requestStream.Current.RoutesAck is { } ack)
                    {
                        stream.Acknowledged(ack);
                    }
                }
            }
            finally
            {
                stream.Ended();
                streams.Open.TryRemove(KeyValuePair.Create(hello.ProxyId, stream));
            }
        }
    }
}
