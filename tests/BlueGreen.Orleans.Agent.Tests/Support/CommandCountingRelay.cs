using System.Net.Sockets;
using System.Text;

namespace BlueGreen.Orleans.Agent.Tests.Support;

/// <summary>
/// A unix socket in front of HAProxy's Runtime API socket that passes every byte on both ways and counts the command
/// lines clients send: what an agent asks its HAProxy, seen from outside the agent. Each client connection gets its own
/// upstream connection, so a reload behind it is what the agent would see without the relay. In front of a master CLI
/// it can also refuse new connections for a while (<see cref="RefuseAsync"/>), as the master does after a reload.
/// </summary>
internal sealed class CommandCountingRelay : IAsyncDisposable
{
    private Socket _listener = null!;
    private readonly string _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private Task _accepting = Task.CompletedTask;
    private readonly Lock _lock = new();
    private readonly List<string> _commands = [];

    public CommandCountingRelay(string path, string upstreamSocket)
    {
        Path = path;
        _upstream = upstreamSocket;
        Listen();
    }

    public string Path { get; }

    /// <summary>
    /// Stops listening and leaves the socket file behind: a client's connect is refused (<c>ECONNREFUSED</c>), as the
    /// master's is while it binds its CLI again after a reload. Connections already relayed go on.
    /// </summary>
    public async Task RefuseAsync()
    {
        _listener.Dispose();
        await _accepting;
    }

    /// <summary>Listens again after <see cref="RefuseAsync"/>.</summary>
    public void Listen()
    {
        File.Delete(Path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(16);
        _accepting = AcceptAsync(_listener);
    }

    /// <summary>How many command lines equal to <paramref name="command"/> clients sent since the start or the last <see cref="Reset"/>.</summary>
    public int Count(string command)
    {
        lock (_lock)
        {
            return _commands.Count(c => c == command);
        }
    }

    /// <summary>Every command line counted, in order, for a failure message.</summary>
    public string Log()
    {
        lock (_lock)
        {
            return string.Join(" | ", _commands);
        }
    }

    /// <summary>Counts <paramref name="command"/> over the next <paramref name="span"/> only; with every line counted then, for a failure message.</summary>
    public async Task<(int Count, string Log)> CountOverAsync(string command, TimeSpan span)
    {
        Reset();
        await Task.Delay(span);
        return (Count(command), Log());
    }

    public void Reset()
    {
        lock (_lock)
        {
            _commands.Clear();
        }
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_lock)
            {
                _pumps.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using (client)
        using (var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_upstream), _stop.Token);
                var replies = PumpAsync(upstream, client, count: false);
                if (await Task.WhenAny(PumpAsync(client, upstream, count: true), replies) != replies)
                {
                    // The client is done sending (a one-shot command shuts its side down): its reply still comes back.
                    upstream.Shutdown(SocketShutdown.Send);
                    await replies;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // One side went away: the other is closed with it, as a direct connection would be.
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool count)
    {
        var buffer = new byte[16 * 1024];
        var line = new StringBuilder();
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                if (count)
                {
                    foreach (var c in Encoding.ASCII.GetString(buffer, 0, read))
                    {
                        if (c != '\n')
                        {
                            line.Append(c);
                            continue;
                        }

                        lock (_lock)
                        {
                            _commands.Add(line.ToString());
                        }

                        line.Clear();
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closed on either side.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] pumps;
        lock (_lock)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
        File.Delete(Path);
    }
}
