using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace BlueGreen.Orleans.Harness.Load;

/// <summary>
/// Closed-loop HTTP/1.1 load through HAProxy frontends that never retries: each client owns one keep-alive TCP
/// connection and sends one request at a time; a request that does not end in <c>200</c> (a refused or reset connection,
/// a timeout, a 5xx from HAProxy) is counted as failed and is not sent again. After a failure or a
/// <c>Connection: close</c> the client opens a new connection for its next request. Hand-written on sockets on purpose:
/// <see cref="System.Net.Http.HttpClient"/> silently resends a request whose pooled connection was closed under it,
/// which would hide exactly the failures a zero-downtime claim must show.
/// </summary>
public sealed class LoadGenerator : IAsyncDisposable
{
    private const int MaxErrorSamples = 20;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<LoadError> _errors = new();
    private readonly List<Task<List<double>>> _clients = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LoadCounters _counters = new();
    private LoadResult? _result;

    private LoadGenerator()
    {
    }

    /// <summary>Starts <paramref name="options"/>.Clients clients spread round-robin over the frontends.</summary>
    public static LoadGenerator Start(IReadOnlyList<Uri> frontends, LoadOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frontends.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Clients, 1);
        var load = new LoadGenerator();
        for (var i = 0; i < options.Clients; i++)
        {
            var frontend = frontends[i % frontends.Count];
            load._clients.Add(Task.Run(() => load.RunClientAsync(frontend, options)));
        }

        return load;
    }

    /// <summary>Requests completed so far (sent = succeeded + failed).</summary>
    public long Sent => _counters.Sent;

    public long Failed => _counters.Failed;

    /// <summary>Succeeded requests per colour of the echo backend that answered.</summary>
    public IReadOnlyDictionary<string, long> ByColour => _counters.Snapshot().ByColour;

    /// <summary>Sent, failed and per-colour counts read together: never more answers than requests (live displays).</summary>
    public LoadCounts Snapshot() => _counters.Snapshot();

    /// <summary>Waits until at least <paramref name="count"/> requests have completed (or the load stops).</summary>
    public async Task WaitForRequestsAsync(long count, CancellationToken cancellationToken = default)
    {
        while (Sent < count && _clients.Any(c => !c.IsCompleted))
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Stops every client after its request in flight and returns the totals.</summary>
    public async Task<LoadResult> StopAsync()
    {
        if (_result is not null)
        {
            return _result;
        }

        await _stop.CancelAsync();
        var latencies = (await Task.WhenAll(_clients)).SelectMany(l => l).Order().ToArray();
        var counts = _counters.Snapshot();
        _result = new LoadResult(counts.Sent, counts.Failed, counts.ByColour, _clock.Elapsed, latencies, [.. _errors]);
        return _result;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task<List<double>> RunClientAsync(Uri frontend, LoadOptions options)
    {
        var latencies = new List<double>(4096);
        var request = Encoding.ASCII.GetBytes($"GET {options.Path} HTTP/1.1\r\nHost: {options.Host}\r\nUser-Agent: bluegreen-load\r\n\r\n");
        var buffer = new byte[16 * 1024];
        Socket? socket = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                string? colour = null;
                string? error = null;
                var keepAlive = false;
                try
                {
                    using var timeout = new CancellationTokenSource(options.Timeout);
                    if (socket is null)
                    {
                        socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        await socket.ConnectAsync(frontend.Host, frontend.Port, timeout.Token);
                    }

                    await socket.SendAsync(request, SocketFlags.None, timeout.Token);
                    var response = await ReadResponseAsync(socket, buffer, timeout.Token);
                    keepAlive = response.KeepAlive;
                    if (response.Status == 200)
                    {
                        colour = ColourOf(response.Body) ?? "?";
                    }
                    else
                    {
                        error = $"HTTP {response.Status}";
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or InvalidDataException)
                {
                    error = e is OperationCanceledException ? $"timeout after {options.Timeout.TotalSeconds:0.#} s" : e.Message;
                }

                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (error is null)
                {
                    _counters.Answered(colour!);
                }
                else
                {
                    _counters.Failure();
                    if (_errors.Count < MaxErrorSamples)
                    {
                        _errors.Enqueue(new LoadError(_clock.Elapsed, frontend, error));
                    }
                }

                if (error is not null || !keepAlive)
                {
                    socket?.Dispose();
                    socket = null;
                }

                if (options.Pause > TimeSpan.Zero)
                {
                    await Task.Delay(options.Pause, CancellationToken.None);
                }
            }
        }
        finally
        {
            socket?.Dispose();
        }

        return latencies;
    }

    private static string? ColourOf(string body)
    {
        const string key = "\"colour\":\"";
        var at = body.IndexOf(key, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = body.IndexOf('"', at + key.Length);
        return end < 0 ? null : body[(at + key.Length)..end];
    }

    /// <summary>Reads one HTTP/1.1 response: status line, headers, then a Content-Length or chunked body.</summary>
    private static async Task<HttpResponse> ReadResponseAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        int headerEnd;
        while ((headerEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            await ReceiveMoreAsync(socket, buffer, received, cancellationToken);
        }

        var head = Encoding.ASCII.GetString(received.GetBuffer(), 0, headerEnd);
        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) ||
            !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new InvalidDataException($"not an HTTP response: {lines[0]}");
        }

        long? length = null;
        var chunked = false;
        var keepAlive = true;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("connection", StringComparison.OrdinalIgnoreCase))
            {
                keepAlive = !value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
        }

        var bodyStart = headerEnd + 4;
        string body;
        if (chunked)
        {
            body = await ReadChunkedAsync(socket, buffer, received, bodyStart, cancellationToken);
        }
        else
        {
            var total = length ?? 0;
            while (received.Length - bodyStart < total)
            {
                await ReceiveMoreAsync(socket, buffer, received, cancellationToken);
            }

            body = Encoding.UTF8.GetString(received.GetBuffer(), bodyStart, (int)total);
            if (length is null)
            {
                keepAlive = false;
            }
        }

        return new HttpResponse(status, body, keepAlive);
    }

    private static async Task<string> ReadChunkedAsync(Socket socket, byte[] buffer, MemoryStream received, int position, CancellationToken cancellationToken)
    {
        var body = new StringBuilder();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf(received, "\r\n"u8, position)) < 0)
            {
                await ReceiveMoreAsync(socket, buffer, received, cancellationToken);
            }

            var sizeText = Encoding.ASCII.GetString(received.GetBuffer(), position, lineEnd - position).Split(';')[0];
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position = lineEnd + 2;
            while (received.Length < position + size + 2)
            {
                await ReceiveMoreAsync(socket, buffer, received, cancellationToken);
            }

            if (size == 0)
            {
                // No trailers are sent by the echo backend or HAProxy: the last chunk ends with one CRLF.
                return body.ToString();
            }

            body.Append(Encoding.UTF8.GetString(received.GetBuffer(), position, size));
            position += size + 2;
        }
    }

    private static async Task ReceiveMoreAsync(Socket socket, byte[] buffer, MemoryStream received, CancellationToken cancellationToken)
    {
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("connection closed before the response was complete");
        }

        received.Write(buffer, 0, read);
    }

    private static int IndexOf(MemoryStream stream, ReadOnlySpan<byte> value, int from = 0) =>
        from >= stream.Length ? -1 : IndexOfFrom(stream.GetBuffer().AsSpan(from, (int)stream.Length - from), value, from);

    private static int IndexOfFrom(ReadOnlySpan<byte> span, ReadOnlySpan<byte> value, int offset)
    {
        var at = span.IndexOf(value);
        return at < 0 ? -1 : at + offset;
    }

    private sealed record HttpResponse(int Status, string Body, bool KeepAlive);
}

/// <param name="Host">The Host header HAProxy routes by.</param>
/// <param name="Clients">Concurrent connections, each one request at a time.</param>
/// <param name="Path">Request path, e.g. <c>/?delay_ms=200</c> to hold each request open at the backend.</param>
/// <param name="Pause">Think time between a client's requests (zero: as fast as possible).</param>
public sealed record LoadOptions(string Host, int Clients = 100, string Path = "/", TimeSpan Pause = default)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

public sealed record LoadError(TimeSpan At, Uri Frontend, string Message);

/// <summary>Totals of one load run; <see cref="LatenciesMs"/> is sorted.</summary>
public sealed record LoadResult(
    long Sent,
    long Failed,
    IReadOnlyDictionary<string, long> ByColour,
    TimeSpan Duration,
    IReadOnlyList<double> LatenciesMs,
    IReadOnlyList<LoadError> Errors)
{
    public double RequestsPerSecond => Duration > TimeSpan.Zero ? Sent / Duration.TotalSeconds : 0;

    /// <summary>Nearest-rank percentile of the request latency in ms.</summary>
    public double Percentile(double p) =>
        LatenciesMs.Count == 0 ? 0 : LatenciesMs[Math.Clamp((int)Math.Ceiling(p * LatenciesMs.Count) - 1, 0, LatenciesMs.Count - 1)];
}
