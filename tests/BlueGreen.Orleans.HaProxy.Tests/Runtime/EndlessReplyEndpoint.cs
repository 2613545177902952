using System.Net;
using System.Net.Sockets;
using System.Text;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

/// <summary>
/// A broken or hostile Runtime API on 127.0.0.1: it answers <c>prompt</c> and <c>show info</c> like HAProxy 2.6, and
/// answers <c>show map</c> with a reply that never ends (map lines, never a prompt) until the client hangs up or
/// <see cref="StreamLimit"/> bytes went out; then it keeps the socket open and silent.
/// </summary>
internal sealed class EndlessReplyEndpoint : IAsyncDisposable
{
    /// <summary>Far more than any cap a test sets plus what the kernel's socket buffers hold.</summary>
    public const long StreamLimit = 128L * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<(long Sent, bool HungUp)> _streamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _served = [];
    private readonly Task _accept;
    private int _connections;

    private EndlessReplyEndpoint(TcpListener listener)
    {
        _listener = listener;
        _accept = Task.Run(AcceptAsync);
    }

    public RuntimeEndpoint RuntimeApi => RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>How many bytes of the endless reply went out, and whether the client hung up (or the limit was hit).</summary>
    public Task<(long Sent, bool HungUp)> StreamEnded => _streamEnded.Task;

    public static EndlessReplyEndpoint Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new EndlessReplyEndpoint(listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept.ContinueWith(_ => { }, TaskScheduler.Default);
        Task[] served;
        lock (_served)
        {
            served = [.. _served];
        }

        await Task.WhenAll(served).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            lock (_served)
            {
                _served.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var owned = socket;
        var line = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                foreach (var c in Encoding.ASCII.GetString(buffer, 0, read))
                {
                    if (c != '\n')
                    {
                        line.Append(c);
                        continue;
                    }

                    var command = line.ToString();
                    line.Clear();
                    if (command.StartsWith("show map", StringComparison.Ordinal))
                    {
                        await StreamEndlessAsync(socket);
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }

                    var reply = command switch
                    {
                        "prompt" => "\n> ",
                        "show info" => Captured.Read("show-info.txt") + "\n> ",
                        _ => "Unknown command.\n\n> ",
                    };
                    await socket.SendAsync(Encoding.ASCII.GetBytes(reply), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task StreamEndlessAsync(Socket socket)
    {
        var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0x55d0c0ffee00 host.example.internal web_blue\n", 1400)));
        long sent = 0;
        try
        {
            while (sent < StreamLimit)
            {
                sent += await socket.SendAsync(block, SocketFlags.None, _stop.Token);
            }

            _streamEnded.TrySetResult((sent, false));
        }
        catch (SocketException)
        {
            // Reset by the client: it stopped reading and closed the socket.
            _streamEnded.TrySetResult((sent, true));
            throw;
        }
    }
}
