using System.Net;
using System.Net.Sockets;
using System.Text;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

/// <summary>
/// The client against a loopback listener that records every byte it receives: hostile arguments must be refused
/// before a connection is even opened. (The same is proven against real HAProxy in the integration tests.)
/// </summary>
public sealed class ClientBeforeIoTests : IAsyncLifetime, IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly MemoryStream _received = new();
    private int _connections;
    private Task? _accepting;
    private readonly CancellationTokenSource _stop = new();

    public Task InitializeAsync()
    {
        _listener.Start();
        _accepting = AcceptAsync();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => _accepting!);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _received.Dispose();
        _stop.Dispose();
    }

    private RuntimeEndpoint Endpoint => RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

    [Fact]
    public async Task SetMap_InjectionInKey_RefusedBeforeAnyConnection()
    {
        await using var client = new HaProxyRuntimeClient(Endpoint);

        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            client.SetMapAsync("/etc/haproxy/hosts.map", "X; shutdown sessions server blue/blue", "web_green"));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            client.SetMapAsync("/etc/haproxy/hosts.map", "web.local\nshutdown sessions server web_blue/s1", "web_green"));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            client.AddServerAsync("web_blue", "s2", "127.0.0.1;", 80, check: true));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            client.ReplaceMapAsync("/etc/haproxy/hosts.map", [new("ok.local", "web_blue"), new("bad\\key", "web_blue")]));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            client.SetServerStateAsync("web_blue", "s1\r\nshutdown", ServerAdminState.Maint));

        await Task.Delay(100);
        AttackLog.Record("HAProxy Runtime API client", "command injection in a map key, value, server address and name (';', CR LF, '\\\\'), e.g. 'X; shutdown sessions server blue/blue'", $"InvalidRuntimeArgumentException each time; connections opened: {Volatile.Read(ref _connections)}, bytes sent: {_received.Length}", Volatile.Read(ref _connections) == 0);
        Assert.Equal(0, Volatile.Read(ref _connections));
        Assert.Equal(0, _received.Length);
        Assert.Equal(0, client.ConnectionsOpened);
    }

    [Fact]
    public async Task SetMap_ValidArguments_SendsOneLineAfterPrompt()
    {
        // Proves the listener does see traffic, so the test above can fail.
        await using var client = new HaProxyRuntimeClient(Endpoint, new HaProxyRuntimeOptions { VerifyLiveWorker = false });

        await client.SetMapAsync("/etc/haproxy/hosts.map", "web.local", "web_green");

        Assert.Equal(1, Volatile.Read(ref _connections));
        Assert.Equal("prompt\nset map /etc/haproxy/hosts.map web.local web_green\n", Received());
    }

    private string Received()
    {
        lock (_received)
        {
            return Encoding.UTF8.GetString(_received.ToArray());
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(socket);
        }
    }

    /// <summary>Answers every line with an empty prompt-mode reply, like HAProxy does for a successful set map.</summary>
    private async Task ServeAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[4096];
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                lock (_received)
                {
                    _received.Write(buffer, 0, read);
                }

                var lines = buffer.AsSpan(0, read).Count((byte)'\n');
                for (var i = 0; i < lines; i++)
                {
                    await socket.SendAsync("\n> "u8.ToArray(), SocketFlags.None, _stop.Token);
                }
            }
        }
    }
}
