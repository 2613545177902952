namespace BlueGreen.Orleans.HaProxy.Runtime;

// One file for the family: each type is a few lines and they only make sense together.
#pragma warning disable CA1032 // The constructors these need are the ones below; no serialization constructor.

/// <summary>HAProxy answered a command with an error; <see cref="Reply"/> holds its exact text.</summary>
public class HaProxyCommandException(string command, string reply, string? message = null)
    : Exception(message ?? $"HAProxy refused '{command}': {reply}")
{
    public string Command { get; } = command;

    public string Reply { get; } = reply;
}

/// <summary><c>entry not found.</c> / <c>Key not found.</c>: the map has no such key.</summary>
public sealed class HaProxyEntryNotFoundException(string command, string reply) : HaProxyCommandException(command, reply);

/// <summary><c>Unknown map identifier…</c>: no map is loaded from that file or id.</summary>
public sealed class HaProxyUnknownMapException(string command, string reply) : HaProxyCommandException(command, reply);

/// <summary><c>No such backend.</c> / <c>Can't find backend.</c> / <c>No such proxy.</c></summary>
public sealed class HaProxyUnknownBackendException(string command, string reply) : HaProxyCommandException(command, reply);

/// <summary><c>No such server.</c></summary>
public sealed class HaProxyUnknownServerException(string command, string reply) : HaProxyCommandException(command, reply);

/// <summary><c>Unknown command…</c>: this HAProxy does not know the command (older version, or a typo).</summary>
public sealed class HaProxyUnknownCommandException(string command, string reply) : HaProxyCommandException(command, reply);

/// <summary><c>Permission denied</c>: the stats socket is not at <c>level admin</c>.</summary>
public sealed class HaProxyPermissionDeniedException(string command, string reply) : HaProxyCommandException(command, reply);

/// <summary>The Runtime API could not be reached, or the connection broke during a command.</summary>
public sealed class HaProxyConnectionException(string endpoint, string message, Exception? inner = null)
    : Exception($"HAProxy runtime API {endpoint}: {message}", inner)
{
    public string Endpoint { get; } = endpoint;
}

/// <summary>A command got no complete reply within the command timeout.</summary>
public sealed class HaProxyTimeoutException(string endpoint, string command, TimeSpan timeout)
    : TimeoutException($"HAProxy runtime API {endpoint}: no reply to '{command}' within {timeout.TotalMilliseconds:0} ms.")
{
    public string Endpoint { get; } = endpoint;

    public string Command { get; } = command;
}

/// <summary>
/// A reply grew past <see cref="HaProxyRuntimeOptions.MaxReplyBytes"/> before its prompt: the connection was dropped
/// (the next command opens a new one). Not retried: the same command would get the same reply.
/// </summary>
public sealed class HaProxyReplyTooLargeException(string endpoint, string command, int limit)
    : Exception($"HAProxy runtime API {endpoint}: the reply to '{command}' is larger than {limit} bytes (HaProxyRuntimeOptions.MaxReplyBytes); connection dropped.")
{
    public string Endpoint { get; } = endpoint;

    public string Command { get; } = command;

    public int Limit { get; } = limit;
}

/// <summary>
/// The master CLI knows no worker with that pid (<c>Can't find the target PID matching the prefix '@!…'</c>): the worker
/// exited, e.g. an old worker that finished its last connection.
/// </summary>
public sealed class HaProxyWorkerExitedException(string command, string reply, int pid) : HaProxyCommandException(command, reply)
{
    public int Pid { get; } = pid;
}
