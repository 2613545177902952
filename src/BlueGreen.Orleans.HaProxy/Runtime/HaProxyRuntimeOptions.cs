namespace BlueGreen.Orleans.HaProxy.Runtime;

public sealed record HaProxyRuntimeOptions
{
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
}
