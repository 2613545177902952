using System.Collections.Concurrent;
using System.Net;

namespace BlueGreen.Orleans.Harness;

/// <summary>
/// A real HTTP receiver for webhooks on 127.0.0.1 (HttpListener, in the test's process): records every request with its
/// headers and exact body, and answers what <see cref="Answer"/> says, after as long as it takes (a test holds a request
/// to see a timeout, or a crash in the middle of a call). Stopped on dispose, which also releases every held request.
/// </summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _count;

    public HookReceiver()
    {
        var port = Loopback.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/hooks/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Where requests go; a hook's URL is this plus anything (e.g. <c>before</c>).</summary>
    public Uri Url { get; }

    /// <summary>Sent as <c>Location</c> with a 3xx answer: a client that follows redirects would call it.</summary>
    public Uri? RedirectTo { get; set; }

    /// <summary>The requests in their order of arrival.</summary>
    public ConcurrentQueue<ReceivedHook> Received { get; } = new();

    /// <summary>The status code for a request (numbered from 1); may wait first. Default 200. Cancelled on dispose.</summary>
    public Func<ReceivedHook, CancellationToken, Task<int>> Answer { get; set; } = (_, _) => Task.FromResult(200);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, _stop.Token);
            var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k] ?? string.Empty, StringComparer.OrdinalIgnoreCase);
            var received = new ReceivedHook(Interlocked.Increment(ref _count), DateTimeOffset.UtcNow, context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? string.Empty, headers, body.ToArray());
            Received.Enqueue(received);
            context.Response.StatusCode = await Answer(received, _stop.Token);
            if (context.Response.StatusCode is >= 300 and < 400 && RedirectTo is { } location)
            {
                context.Response.RedirectLocation = location.ToString();
            }

            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // Stopped, or the caller gave up (its timeout): nothing to answer.
            context.Response.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Close();
        await _loop;
        _stop.Dispose();
    }
}
