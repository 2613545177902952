namespace BlueGreen.Orleans.HaProxy.Runtime;

public sealed record HaProxyRuntimeOptions
{
    /// <summary>
    /// 16 MiB. Measured on haproxy 2.6.12 (README, "How the Runtime API is used"): <c>show map</c> of 5,000 entries is
    /// 325 KB and the whole <c>show stat</c> of 5,000 services (10,000 backends and servers) 5.2 MB.
    /// </summary>
    public const int DefaultMaxReplyBytes = 16 * 1024 * 1024;

    /// <summary>The smallest cap accepted: a <c>show info</c> reply alone is about 1.2 KB.</summary>
    public const int MinMaxReplyBytes = 64 * 1024;

    /// <summary>The largest cap accepted: the reply is buffered whole, then decoded to a string twice its size.</summary>
    public const int MaxMaxReplyBytes = 1024 * 1024 * 1024;

    /// <summary>How long to wait for a connection to the Runtime API.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one command (or one pipelined batch) may take to answer.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a reload the persistent connection stays on the old, stopping worker: commands there succeed and
    /// change nothing. When true, every batch is followed by <c>show info</c> in the same write; a reply with
    /// <c>Stopping: 1</c> makes the client reconnect and replay the batch on the live worker.
    /// </summary>
    public bool VerifyLiveWorker { get; init; } = true;

    /// <summary>How many times a batch is replayed after landing on a stopping worker or a dropped connection.</summary>
    public int MaxReconnects { get; init; } = 3;

    /// <summary>
    /// The most bytes one reply may hold (up to its prompt). Beyond it the connection is dropped and the command fails
    /// with <see cref="HaProxyReplyTooLargeException"/>: a broken or hostile endpoint cannot make the orchestrator buffer
    /// without bound. Between <see cref="MinMaxReplyBytes"/> and <see cref="MaxMaxReplyBytes"/>.
    /// </summary>
    public int MaxReplyBytes { get; init; } = DefaultMaxReplyBytes;
}
