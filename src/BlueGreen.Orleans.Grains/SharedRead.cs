namespace BlueGreen.Orleans.Grains;

/// <summary>
/// A read that every caller waiting for it shares: callers that arrive while a read is on its way share the next one,
/// sent once that read has ended (<see cref="GroupCommit{T}"/>'s batching, for a value). So each caller gets a value
/// read after it asked, and N callers at once cost one or two reads instead of N.
/// </summary>
internal sealed class SharedRead<T>
{
    private readonly GroupCommit<TaskCompletionSource<T>> _line;

    public SharedRead(Func<Task<T>> read) =>
        _line = new GroupCommit<TaskCompletionSource<T>>(async waiting =>
        {
            var value = await read();
            foreach (var caller in waiting)
            {
                caller.SetResult(value);
            }
        });

    /// <summary>How many reads were sent.</summary>
    public int Reads => _line.Commits;

    /// <summary>A value read after this call; the read's failure is every waiting caller's.</summary>
    public async Task<T> ReadAsync()
    {
        var caller = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _line.CommitAsync(caller);
        return await caller.Task;
    }
}
