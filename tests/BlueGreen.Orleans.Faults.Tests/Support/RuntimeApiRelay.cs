using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// A TCP relay between the orchestrator and one HAProxy's Runtime API: the network link of that proxy, which a test
/// can make misbehave at an exact command. <see cref="ArmAsync"/> runs an action (freeze, kill or reload the HAProxy)
/// when the orchestrator sends a command containing a given text, before the bytes go on; this is how a fault lands
/// inside the Switch step, which follows the last health read within milliseconds and cannot be hit by polling.
/// Nothing of the product is changed: the proxy is simply registered at the relay's address.
/// With <c>watchReplies</c> it watches the other direction: between an agent and the gateway it dials, a trigger fires on
/// what the server sends down the stream (routes travel in clear in the h2c DATA frames of a loopback test).
/// </summary>
public sealed class RuntimeApiRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private volatile IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accept;
    private readonly bool _watchReplies;
    private readonly object _lock = new();
    private (string[] Needles, Func<Task> Action, TaskCompletionSource Fired)? _armed;

    private RuntimeApiRelay(TcpListener listener, IPEndPoint upstream, bool watchReplies)
    {
        _listener = listener;
        _upstream = upstream;
        _watchReplies = watchReplies;
        _accept = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The relay's own Runtime API address, to register instead of the HAProxy's.</summary>
    public string RuntimeApi => $"tcp://{((IPEndPoint)_listener.LocalEndpoint).Address}:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The relay's port, for a client that takes a URL.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <param name="watchReplies">Triggers look at what the upstream sends back, instead of what the client sends.</param>
    public static RuntimeApiRelay Start(string listenAddress, string upstreamHost, int upstreamPort, bool watchReplies = false)
    {
        var listener = new TcpListener(IPAddress.Parse(listenAddress), 0);
        listener.Start();
        return new RuntimeApiRelay(listener, new IPEndPoint(IPAddress.Parse(upstreamHost), upstreamPort), watchReplies);
    }

    /// <summary>
    /// The next time the orchestrator sends a command containing one of <paramref name="needles"/>, awaits
    /// <paramref name="action"/> before forwarding it. The returned task completes once the action ran.
    /// </summary>
    public Task ArmAsync(IReadOnlyList<string> needles, Func<Task> action)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _armed = ([.. needles], action, fired);
        }

        return fired.Task;
    }

    /// <summary>Connections from now on go to another upstream (those open stay where they are, until it closes them).</summary>
    public void Redirect(string upstreamHost, int upstreamPort) => _upstream = new IPEndPoint(IPAddress.Parse(upstreamHost), upstreamPort);

    public void Disarm()
    {
        lock (_lock)
        {
            _armed = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] pumps;
        lock (_lock)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var pump = Task.Run(() => RelayAsync(client));
            lock (_lock)
            {
                _pumps.RemoveAll(p => p.IsCompleted);
                _pumps.Add(pump);
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var clientSocket = client;
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var link = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            await upstream.ConnectAsync(_upstream, link.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The HAProxy is down: the orchestrator sees its connection closed, as it would see a refused one.
            return;
        }

        var up = PumpAsync(clientSocket, upstream, inspect: !_watchReplies, link.Token);
        var down = PumpAsync(upstream, clientSocket, inspect: _watchReplies, link.Token);
        await Task.WhenAny(up, down);
        await link.CancelAsync();
        await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task PumpAsync(Socket from, Socket to, bool inspect, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                if (inspect && TakeTrigger(Encoding.ASCII.GetString(buffer, 0, read)) is { } trigger)
                {
                    try
                    {
                        await trigger.Action();
                    }
                    finally
                    {
                        trigger.Fired.TrySetResult();
                    }
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
    }

    private (string[] Needles, Func<Task> Action, TaskCompletionSource Fired)? TakeTrigger(string text)
    {
        lock (_lock)
        {
            if (_armed is { } armed && armed.Needles.Any(n => text.Contains(n, StringComparison.Ordinal)))
            {
                _armed = null;
                return armed;
            }

            return null;
        }
    }
}
