using System.Net.Sockets;
using System.Text;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// One socket to the Runtime API in interactive (<c>prompt</c>) mode. Every reply ends with <c>\n&gt; </c>, which is
/// how replies are framed; commands may be pipelined and their replies are read back in order. A reply longer than
/// the cap fails with <see cref="HaProxyReplyTooLargeException"/> and the buffer never grows past the cap.
/// Not thread-safe: <see cref="HaProxyRuntimeClient"/> serializes access.
/// </summary>
internal sealed class RuntimeConnection : IDisposable
{
    private static ReadOnlySpan<byte> Prompt => "\n> "u8;

    private readonly Socket _socket;
    private readonly string _endpoint;
    private readonly int _maxReplyBytes;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private RuntimeConnection(Socket socket, string endpoint, int maxReplyBytes)
    {
        _socket = socket;
        _endpoint = endpoint;
        _maxReplyBytes = maxReplyBytes;
    }

    /// <summary>How many bytes the receive buffer holds now (tests: it stays bounded by the cap).</summary>
    internal int BufferCapacity => _buffer.Length;

    public static Task<RuntimeConnection> OpenAsync(RuntimeEndpoint endpoint, CancellationToken cancellationToken) =>
        OpenAsync(endpoint, HaProxyRuntimeOptions.DefaultMaxReplyBytes, cancellationToken);

    public static async Task<RuntimeConnection> OpenAsync(RuntimeEndpoint endpoint, int maxReplyBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReplyBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxReplyBytes, HaProxyRuntimeOptions.MaxMaxReplyBytes);
        var socket = await endpoint.ConnectAsync(cancellationToken);
        var connection = new RuntimeConnection(socket, endpoint.ToString(), maxReplyBytes);
        try
        {
            // "prompt" switches the session to interactive mode: it stays open and each reply ends with a prompt.
            await connection.ExecuteAsync(["prompt"], cancellationToken);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>True when the peer has closed the socket (idle timeout, HAProxy stopped): reading would give EOF.</summary>
    public bool IsClosedByPeer
    {
        get
        {
            try
            {
                return _start == _end && _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
            }
            catch (SocketException)
            {
                return true;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }
    }

    /// <summary>Sends the commands in one write and returns one reply per command, trailing line breaks removed.</summary>
    public async Task<string[]> ExecuteAsync(IReadOnlyList<string> commands, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var command in commands)
        {
            text.Append(command).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
        }

        var replies = new string[commands.Count];
        for (var i = 0; i < replies.Length; i++)
        {
            replies[i] = await ReadReplyAsync(commands[i], cancellationToken);
        }

        return replies;
    }

    private async Task<string> ReadReplyAsync(string command, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var pending = _buffer.AsSpan(_start + scanned, _end - _start - scanned);
            var found = pending.IndexOf(Prompt);
            if (found >= 0)
            {
                var length = scanned + found;
                if (length > _maxReplyBytes)
                {
                    throw TooLarge(command);
                }

                var reply = Encoding.UTF8.GetString(_buffer, _start, length).TrimEnd('\n');
                _start += length + Prompt.Length;
                if (_start == _end)
                {
                    _start = _end = 0;
                }

                return reply;
            }

            // The prompt may straddle two reads: rescan the last two bytes next time. Everything before them belongs
            // to this reply: past the cap, stop reading (the client drops the socket) instead of buffering on.
            scanned = Math.Max(0, _end - _start - (Prompt.Length - 1));
            if (scanned > _maxReplyBytes)
            {
                throw TooLarge(command);
            }

            MakeRoom();
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("HAProxy closed the connection before the reply was complete.");
            }

            _end += read;
        }
    }

    private HaProxyReplyTooLargeException TooLarge(string command) => new(_endpoint, command, _maxReplyBytes);

    private void MakeRoom()
    {
        if (_end < _buffer.Length)
        {
            return;
        }

        // The largest reply allowed, with its prompt. With the buffer full from its start, the cap check above has let
        // at most that much through, so growing up to it is always growing.
        var limit = _maxReplyBytes + Prompt.Length;
        var used = _end - _start;
        if (_start > 0 && (used < _buffer.Length / 2 || _buffer.Length >= limit))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, used);
        }
        else
        {
            var bigger = new byte[Math.Min(_buffer.Length * 2L, limit)];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, used);
            _buffer = bigger;
        }

        _start = 0;
        _end = used;
    }

    public void Dispose() => _socket.Dispose();
}
