using System.Net.Sockets;
using System.Text;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// A client for HAProxy's master CLI (<c>haproxy -W -S &lt;socket&gt;</c>): <c>show proc</c>, and read-only commands
/// sent to one worker by pid (<c>@!&lt;pid&gt; show stat …</c>), old workers included. Each command uses its own
/// connection in non-interactive mode: the master answers and closes, so a reply is framed by EOF, and nothing is left
/// attached to a master that a reload re-executes (a reload closes every master CLI connection anyway). Every argument
/// passes <see cref="RuntimeArguments"/> before any I/O.
/// </summary>
public sealed class HaProxyMasterClient(RuntimeEndpoint endpoint, HaProxyRuntimeOptions? options = null)
{
    /// <summary>A bound on one reply: a backend's <c>show stat</c> is a few KB; anything far larger is not what was asked.</summary>
    public const int MaxReplyBytes = 4 * 1024 * 1024;

    private const string PidNotFound = "Can't find the target PID";

    private readonly HaProxyRuntimeOptions _options = options ?? new HaProxyRuntimeOptions();

    public RuntimeEndpoint Endpoint { get; } = endpoint;

    /// <summary>The master, its current workers and its old (stopping) workers.</summary>
    public async Task<MasterProcessList> ShowProcAsync(CancellationToken cancellationToken = default)
    {
        const string command = "show proc";
        return MasterProcessList.Parse(ReplyErrors.ThrowIfError(command, await ExecuteAsync(command, cancellationToken)));
    }

    /// <summary>
    /// The server rows of one backend on one worker (<c>@!pid show stat &lt;backend&gt; 4 -1</c>). Throws
    /// <see cref="HaProxyWorkerExitedException"/> when no such worker runs any more.
    /// </summary>
    public async Task<IReadOnlyList<StatRow>> ShowServerStatsAsync(int pid, string backend, CancellationToken cancellationToken = default)
    {
        var command = $"{Target(pid)} show stat {RuntimeArguments.Name(backend, nameof(backend))} 4 -1";
        return StatRow.ParseCsv(Checked(command, pid, await ExecuteAsync(command, cancellationToken)));
    }

    /// <summary><c>@!pid show servers conn &lt;backend&gt;</c>: connections in use per server on one worker.</summary>
    public async Task<IReadOnlyList<ServerConnections>> ShowServersConnAsync(int pid, string backend, CancellationToken cancellationToken = default)
    {
        var command = $"{Target(pid)} show servers conn {RuntimeArguments.Name(backend, nameof(backend))}";
        return ServerConnections.Parse(Checked(command, pid, await ExecuteAsync(command, cancellationToken)));
    }

    /// <summary>
    /// Sessions to <paramref name="backend"/> on one worker: <c>scur</c> + <c>used_cur</c> over its servers, as the
    /// drain counts them on the live worker. A worker whose config lacks the backend has none; a worker that exited
    /// meanwhile has none either, and says so.
    /// </summary>
    public async Task<WorkerSessionCount> CountSessionsAsync(int pid, string backend, CancellationToken cancellationToken = default)
    {
        try
        {
            var stats = await ShowServerStatsAsync(pid, backend, cancellationToken);
            var inUse = await ShowServersConnAsync(pid, backend, cancellationToken);
            return new WorkerSessionCount(pid, stats.Sum(s => s.CurrentSessions) + inUse.Sum(c => c.UsedCurrent), Exited: false);
        }
        catch (HaProxyUnknownBackendException)
        {
            return new WorkerSessionCount(pid, 0, Exited: false);
        }
        catch (HaProxyWorkerExitedException)
        {
            return new WorkerSessionCount(pid, 0, Exited: true);
        }
        catch (FormatException)
        {
            // A worker that exits while the master forwards the command leaves a cut reply: gone is gone. One still
            // listed answered something unreadable, which proves nothing.
            if ((await ShowProcAsync(cancellationToken)).AllWorkers.Any(w => w.Pid == pid))
            {
                throw;
            }

            return new WorkerSessionCount(pid, 0, Exited: true);
        }
    }

    /// <summary>
    /// Holds one idle interactive connection to the master CLI: returns once it is held, with a task that completes when
    /// the master closes it (or <paramref name="cancellationToken"/> releases it). A reload re-executes the master, which
    /// closes every master CLI connection (measured on 2.6: within 20 ms of SIGUSR2), and a stop closes them too, while
    /// an idle one is otherwise kept (over 75 s, measured). Waiting sends no command and wakes nothing, so a watcher
    /// learns of a reload at once without asking every 100 ms. The master CLI takes few connections at once; this holds
    /// one of them. Throws <see cref="HaProxyConnectionException"/> when the master cannot be reached.
    /// </summary>
    public async Task<Task> HoldAsync(CancellationToken cancellationToken = default)
    {
        Socket? socket = null;
        var held = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            socket = await Endpoint.ConnectAsync(timeout.Token);
            await socket.SendAsync("prompt\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            held = true;
            return WaitClosedAsync(socket, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HaProxyConnectionException(Endpoint.ToString(), $"master CLI: no connection within {_options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new HaProxyConnectionException(Endpoint.ToString(), $"master CLI: {e.Message}", e);
        }
        finally
        {
            if (!held)
            {
                // Not held: nothing is left open.
                socket?.Dispose();
            }
        }
    }

    private static async Task WaitClosedAsync(Socket socket, CancellationToken cancellationToken)
    {
        using (socket)
        {
            try
            {
                // The prompt comes back, and nothing else unasked: whatever arrives is dropped until the close.
                var buffer = new byte[256];
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // Reset rather than closed: the master went away all the same.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Released by the holder.
            }
        }
    }

    private static string Target(int pid) => $"@!{RuntimeArguments.Pid(pid, nameof(pid))}";

    private static string Checked(string command, int pid, string reply) =>
        reply.TrimStart().StartsWith(PidNotFound, StringComparison.Ordinal)
            ? throw new HaProxyWorkerExitedException(command, reply, pid)
            : ReplyErrors.ThrowIfError(command, reply);

    /// <summary>
    /// Sends one command on a new connection and reads the reply up to the master's close. Every command here only reads,
    /// so a refused or reset connection is tried again twice, 50 ms apart: the master refuses connections for a moment
    /// while it takes a new worker in (start, reload), and one poll of a drain should not read that as "unreadable".
    /// </summary>
    private async Task<string> ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ExecuteOnceAsync(command, cancellationToken);
            }
            catch (HaProxyConnectionException) when (attempt < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    private async Task<string> ExecuteOnceAsync(string command, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout + _options.CommandTimeout);
        try
        {
            using var socket = await Endpoint.ConnectAsync(timeout.Token);
            var bytes = Encoding.UTF8.GetBytes(command + "\n");
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, timeout.Token);
            }

            // The master answers a non-interactive command at once but closes only once the client has no more to send.
            socket.Shutdown(SocketShutdown.Send);

            var reply = new MemoryStream();
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    return Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length).TrimEnd('\n');
                }

                if (reply.Length + read > MaxReplyBytes)
                {
                    throw new HaProxyCommandException(command, $"(reply over {MaxReplyBytes} bytes)", $"HAProxy master CLI {Endpoint}: the reply to '{command}' is over {MaxReplyBytes} bytes.");
                }

                reply.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HaProxyTimeoutException(Endpoint.ToString(), command, _options.ConnectTimeout + _options.CommandTimeout);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new HaProxyConnectionException(Endpoint.ToString(), $"master CLI: {e.Message}", e);
        }
    }
}
