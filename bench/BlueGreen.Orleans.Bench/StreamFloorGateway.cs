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
/// 127.0.0.1, holding one stream per peer and nothing else. A push writes one routes message down every stream at once
/// and waits for every runtime ack; no credential is checked (only the bench's own peers, on loopback, ever connect).
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

    public static async Task<StreamFloorGateway> StartAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(certificate);
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
                throw new TimeoutException($"{_streams.Open.Count} of {_streams.Expected.Count} stream peers connected within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>One routes message down every stream at once; the time to the last ack read, and from the first to the last.</summary>
    public async Task<(double Duration, double Skew)> PushAsync(Dictionary<string, string> routes, CancellationToken cancellationToken)
    {
        var message = new V1.ServerMessage { Routes = new V1.DesiredRoutes { Version = Interlocked.Increment(ref _version) } };
        message.Routes.Routes.Add(routes);
        var start = Stopwatch.GetTimestamp();
        var acks = await Task.WhenAll(_streams.Open.Values.Select(s => s.PushAsync(message)).ToList()).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
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
        private long _version;

        public async Task<long> PushAsync(V1.ServerMessage message)
        {
            var waiting = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            (_version, _waiting) = (message.Routes.Version, waiting);
            await writer.WriteAsync(message);
            return await waiting.Task;
        }

        /// <summary>The ack's arrival time, taken as it is read.</summary>
        public void Acknowledged(long version)
        {
            var read = Stopwatch.GetTimestamp();
            if (version == Volatile.Read(ref _version))
            {
                _waiting?.TrySetResult(read);
            }
        }

        public void Ended() => _waiting?.TrySetException(new IOException("the peer's stream ended."));
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
                        stream.Acknowledged(ack.Version);
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
