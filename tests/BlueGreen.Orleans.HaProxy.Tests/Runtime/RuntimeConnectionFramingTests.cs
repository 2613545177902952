using System.Net;
using System.Net.Sockets;
using System.Text;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

/// <summary>Reply framing by the <c>\n&gt; </c> prompt, with the bytes split or merged in every way TCP may deliver them.</summary>
public sealed class RuntimeConnectionFramingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Execute_RepliesSplitIntoChunks_FramedByPrompt(int chunk)
    {
        // The first reply answers "prompt"; then the three replies of a pipelined batch, as HAProxy 2.6 writes them.
        const string script = "entry not found.\n\n> \n> Server deleted.\n> ";
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeAsync(listener, Encoding.UTF8.GetBytes(script), chunk, commands: 3);

        using var connection = await RuntimeConnection.OpenAsync(
            RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port), CancellationToken.None);
        var replies = await connection.ExecuteAsync(["set map /m a b", "set map /m c d", "del server b/s"], CancellationToken.None);

        Assert.Equal(["entry not found.", string.Empty, "Server deleted."], replies);
        connection.Dispose();
        await serve;
    }

    [Fact]
    public async Task Execute_ReplyLargerThanBuffer_ReadWhole()
    {
        var big = string.Join('\n', Enumerable.Range(0, 5000).Select(i => $"0x{i:x8} host{i}.local web_blue"));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeAsync(listener, Encoding.UTF8.GetBytes($"{big}\n\n> "), 1000, commands: 1);

        using var connection = await RuntimeConnection.OpenAsync(
            RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port), CancellationToken.None);
        var reply = Assert.Single(await connection.ExecuteAsync(["show map /m"], CancellationToken.None));

        Assert.Equal(big, reply);
        Assert.Equal(5000, MapEntry.ParseShowMap(reply).Count);
        connection.Dispose();
        await serve;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Execute_ReplyOfExactlyTheCap_Read(int chunk)
    {
        // The cap counts the bytes before the prompt, the blank line's line break included.
        const int cap = 300;
        var text = new string('a', cap - 1);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeAsync(listener, Encoding.UTF8.GetBytes($"{text}\n\n> "), chunk, commands: 1);

        using var connection = await RuntimeConnection.OpenAsync(
            RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port), cap, CancellationToken.None);
        var reply = Assert.Single(await connection.ExecuteAsync(["show map /m"], CancellationToken.None));

        Assert.Equal(text, reply);
        connection.Dispose();
        await serve;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Execute_ReplyOneByteOverTheCap_ReplyTooLarge(int chunk)
    {
        const int cap = 300;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeAsync(listener, Encoding.UTF8.GetBytes($"{new string('a', cap)}\n\n> "), chunk, commands: 1);

        using var connection = await RuntimeConnection.OpenAsync(
            RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port), cap, CancellationToken.None);

        var error = await Assert.ThrowsAsync<HaProxyReplyTooLargeException>(() => connection.ExecuteAsync(["show map /m"], CancellationToken.None));

        Assert.Equal(("show map /m", cap), (error.Command, error.Limit));
        connection.Dispose();
        // The fake may still be sending the last bytes when the client hangs up: its own failure is not the point.
        await serve.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Execute_PeerClosesMidReply_IOException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeAsync(listener, Encoding.UTF8.GetBytes("half a rep"), 4096, commands: 1);

        using var connection = await RuntimeConnection.OpenAsync(
            RuntimeEndpoint.Tcp("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port), CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() => connection.ExecuteAsync(["show info"], CancellationToken.None));
        connection.Dispose();
        await serve;
    }

    /// <summary>
    /// Plays HAProxy: answers "prompt" with an empty reply (split like the rest), waits for the batch's command lines,
    /// sends <paramref name="script"/> in chunks, half-closes, then waits for the client to close.
    /// </summary>
    private static async Task ServeAsync(TcpListener listener, byte[] script, int chunk, int commands)
    {
        using var socket = await listener.AcceptSocketAsync();
        socket.NoDelay = true;
        await ReadLinesAsync(socket, 1);
        await SendChunkedAsync(socket, "\n> "u8.ToArray(), chunk);
        await ReadLinesAsync(socket, commands);
        await SendChunkedAsync(socket, script, chunk);
        socket.Shutdown(SocketShutdown.Send);
        var rest = new byte[4096];
        while (await socket.ReceiveAsync(rest, SocketFlags.None) > 0)
        {
        }
    }

    private static async Task ReadLinesAsync(Socket socket, int lines)
    {
        var one = new byte[1];
        while (lines > 0 && await socket.ReceiveAsync(one, SocketFlags.None) == 1)
        {
            if (one[0] == (byte)'\n')
            {
                lines--;
            }
        }
    }

    private static async Task SendChunkedAsync(Socket socket, byte[] bytes, int chunk)
    {
        for (var sent = 0; sent < bytes.Length; sent += chunk)
        {
            await socket.SendAsync(bytes.AsMemory(sent, Math.Min(chunk, bytes.Length - sent)), SocketFlags.None);
            if (chunk < 8)
            {
                await Task.Delay(1);
            }
        }
    }
}
