using System.Diagnostics;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

/// <summary>
/// The cap on one Runtime API reply against an endpoint that never ends its reply: the client fails with a typed
/// error after reading about the cap (not at the command timeout, not after buffering what the endpoint sends), and
/// the next command opens a new connection.
/// </summary>
public sealed class ReplyCapTests
{
    private const int Cap = 1024 * 1024;

    /// <summary>What loopback socket buffers (send and receive, autotuned) may hold beyond what the client read.</summary>
    private const long SocketBuffers = 32L * 1024 * 1024;

    [Fact]
    public async Task ShowMap_EndpointSendsEndlessReply_ReplyTooLargeSoonThenNextCommandReconnects()
    {
        await using var endpoint = EndlessReplyEndpoint.Start();
        await using var client = new HaProxyRuntimeClient(
            endpoint.RuntimeApi, new HaProxyRuntimeOptions { MaxReplyBytes = Cap, CommandTimeout = TimeSpan.FromSeconds(20) });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HaProxyReplyTooLargeException>(() => client.ShowMapAsync("/etc/haproxy/hosts.map"));

        clock.Stop();
        Assert.Equal(Cap, error.Limit);
        Assert.Equal("show map /etc/haproxy/hosts.map", error.Command);
        Assert.Contains("larger than 1048576 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"failed after {clock.Elapsed}, as if by the 20 s command timeout");
        // The client hung up once past the cap: the endpoint could push only what the socket buffers hold beyond it.
        var (sent, hungUp) = await endpoint.StreamEnded.WaitAsync(TimeSpan.FromSeconds(20));
        AttackLog.Record("HAProxy Runtime API client (fake endpoint)", "a Runtime API endpoint that answers show map with an endless reply", $"{error.GetType().Name} after {clock.Elapsed.TotalMilliseconds:0} ms; client hung up: {hungUp} after {sent:N0} bytes (cap {Cap:N0})", hungUp);
        Assert.True(hungUp, $"the client never hung up; {sent} bytes sent");
        Assert.InRange(sent, Cap, Cap + SocketBuffers);

        var info = await client.ShowInfoAsync();

        Assert.True(info.Pid > 0);
        Assert.Equal(2, client.ConnectionsOpened);
        Assert.Equal(2, endpoint.Connections);
    }

    [Fact]
    public async Task Execute_EndlessReply_ReplyTooLargeAndBufferNeverPastTheCap()
    {
        await using var endpoint = EndlessReplyEndpoint.Start();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var connection = await RuntimeConnection.OpenAsync(endpoint.RuntimeApi, Cap, timeout.Token);

        await Assert.ThrowsAsync<HaProxyReplyTooLargeException>(() => connection.ExecuteAsync(["show map #0"], timeout.Token));

        // Memory held for one reply: at most the cap and its 3-byte prompt.
        Assert.InRange(connection.BufferCapacity, Cap / 2, Cap + 3);
    }

    [Fact]
    public void Client_CapOutsideItsBounds_Refused()
    {
        var endpoint = RuntimeEndpoint.Tcp("127.0.0.1", 9);

        Assert.Throws<ArgumentOutOfRangeException>(() => new HaProxyRuntimeClient(endpoint, new HaProxyRuntimeOptions { MaxReplyBytes = 1024 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HaProxyRuntimeClient(endpoint, new HaProxyRuntimeOptions { MaxReplyBytes = int.MaxValue }));
    }
}
