namespace BlueGreen.Orleans.Grains.Tests;

/// <summary>The group commit's own logic: which changes share a write, who hears a failure, what never overlaps.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task CommitAsync_ChangesArriveWhileAWriteRuns_AllShareTheNextWrite()
    {
        var writes = new List<IReadOnlyList<int>>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var line = new GroupCommit<int>(async batch =>
        {
            writes.Add([.. batch]);
            if (writes.Count == 1)
            {
                await gate.Task;
            }
        });

        var first = line.CommitAsync(0);
        var rest = Enumerable.Range(1, 49).Select(line.CommitAsync).ToList();
        Assert.False(first.IsCompleted);
        Assert.All(rest, t => Assert.False(t.IsCompleted));
        gate.SetResult();
        await Task.WhenAll([first, .. rest]);

        Assert.Equal([[0], [.. Enumerable.Range(1, 49)]], writes);
        Assert.Equal(2, line.Commits);
    }

    [Fact]
    public async Task CommitAsync_OneWriteFails_EveryCallerOfThatBatchAndNoOtherHearsIt()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = 0;
        var line = new GroupCommit<string>(async batch =>
        {
            writes++;
            if (writes == 1)
            {
                await gate.Task;
            }

            if (batch.Contains("bad"))
            {
                throw new IOException("disk full");
            }
        });

        var first = line.CommitAsync("a");
        var failing = new[] { line.CommitAsync("b"), line.CommitAsync("bad"), line.CommitAsync("c") };
        gate.SetResult();
        await first;
        foreach (var task in failing)
        {
            Assert.Equal("disk full", (await Assert.ThrowsAsync<IOException>(() => task)).Message);
        }

        // The line goes on: the next change is written on its own, and succeeds.
        await line.CommitAsync("d");
        Assert.Equal(3, writes);
    }

    [Fact]
    public async Task ExclusiveAsync_QueuedBetweenWrites_RunsAfterTheOneBeforeAndBeforeTheOnesAfter()
    {
        var order = new List<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var line = new GroupCommit<string>(async batch =>
        {
            order.Add($"write {string.Join(",", batch)}");
            if (batch.Contains("a"))
            {
                await gate.Task;
            }
        });

        var first = line.CommitAsync("a");
        var exclusive = line.ExclusiveAsync(() =>
        {
            order.Add("exclusive");
            return Task.FromResult(42);
        });
        Assert.False(exclusive.IsCompleted);
        gate.SetResult();
        await first;
        Assert.Equal(42, await exclusive);
        await line.CommitAsync("b");

        Assert.Equal(["write a", "exclusive", "write b"], order);
    }

    [Fact]
    public async Task CommitAsync_ManyThreadsAtOnce_NeverTwoWritesOrOperationsAtOnceAndEveryChangeWritten()
    {
        var running = 0;
        var overlapped = false;
        var written = new List<int>();
        async Task OneAtATimeAsync(Action work)
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            await Task.Yield();
            work();
            Interlocked.Decrement(ref running);
        }

        var line = new GroupCommit<int>(batch => OneAtATimeAsync(() => written.AddRange(batch)));

        await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() => i % 10 == 0
            ? line.ExclusiveAsync(() => OneAtATimeAsync(() => { }))
            : line.CommitAsync(i))));

        Assert.False(overlapped);
        Assert.Equal(Enumerable.Range(0, 400).Where(i => i % 10 != 0), written.Order());
    }
}
