namespace BlueGreen.Orleans.Grains;

/// <summary>
/// Group commit for one piece of state: one write runs at a time, and every change submitted while one runs joins the
/// next, which carries all of them in one write. A caller's task completes when the write that carried its change did,
/// and fails with that write's error: a change is never reported durable before it is.
/// </summary>
/// <remarks>
/// <para>Made for a grain whose writing calls interleave: the leader of a batch (the first change submitted to it) runs
/// the write as part of its own call, so no write is ever left running without a caller waiting on it. The write is
/// started after the previous one ended, never beside it (an ETag store refuses two writes from one copy).</para>
/// <para><see cref="ExclusiveAsync"/> runs any other work that must not overlap a write (a clear, a push to an agent)
/// in the same line, between two writes.</para>
/// <para>Thread-safe, although a grain calls it from its one scheduler; <paramref name="commit"/> never runs twice at
/// once.</para>
/// </remarks>
/// <typeparam name="T">What a caller hands the write: its change, or what the write needs to know of it.</typeparam>
/// <param name="commit">Writes one batch, in the order submitted; throws when nothing of it may be reported durable.</param>
internal sealed class GroupCommit<T>(Func<IReadOnlyList<T>, Task> commit)
{
    private readonly Lock _gate = new();

    /// <summary>The batch collecting changes, not started yet; null when none is waiting.</summary>
    private Batch? _open;

    /// <summary>Completes when everything queued so far has run (never faults).</summary>
    private Task _tail = Task.CompletedTask;

    /// <summary>Batches written so far (successfully or not): how many writes the changes cost.</summary>
    public int Commits { get; private set; }

    /// <summary>Adds <paramref name="change"/> to the next write; completes when that write succeeded, fails as it failed.</summary>
    public Task CommitAsync(T change)
    {
        Batch batch;
        Task before;
        lock (_gate)
        {
            if (_open is { } open)
            {
                open.Changes.Add(change);
                return open.Done.Task;
            }

            batch = new Batch();
            batch.Changes.Add(change);
            _open = batch;
            before = _tail;
            _tail = batch.Done.Task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        // The leader runs the write inside its own call, once the one before has ended.
        return RunAsync(before, batch);
    }

    /// <summary>Runs <paramref name="operation"/> alone: after every write and operation queued before it, before those queued after.</summary>
    public async Task<TResult> ExclusiveAsync<TResult>(Func<Task<TResult>> operation)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task before;
        lock (_gate)
        {
            before = _tail;
            _tail = done.Task;
        }

        try
        {
            await before;
            return await operation();
        }
        finally
        {
            done.SetResult();
        }
    }

    /// <inheritdoc cref="ExclusiveAsync{TResult}"/>
    public Task ExclusiveAsync(Func<Task> operation) => ExclusiveAsync(async () =>
    {
        await operation();
        return true;
    });

    private async Task RunAsync(Task before, Batch batch)
    {
        await before;
        lock (_gate)
        {
            // Closed: a change submitted from here on joins the next batch, written after this one.
            if (_open == batch)
            {
                _open = null;
            }

            Commits++;
        }

        try
        {
            await commit(batch.Changes);
            batch.Done.SetResult();
        }
        catch (Exception e)
        {
            batch.Done.SetException(e);
        }

        await batch.Done.Task;
    }

    private sealed class Batch
    {
        public List<T> Changes { get; } = [];

        /// <summary>Continuations run asynchronously: a follower's code never runs inside the leader's write.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
