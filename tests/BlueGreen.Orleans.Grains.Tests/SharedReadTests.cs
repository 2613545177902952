namespace BlueGreen.Orleans.Grains.Tests;

/// <summary>The shared read's logic: how many reads N callers cost, and that nobody gets a value read before it asked.</summary>
public sealed class SharedReadTests
{
    [Fact]
    public async Task ReadAsync_CallersArriveWhileAReadRuns_AllGetTheNextReadsValue()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = 0;
        var read = new SharedRead<int>(async () =>
        {
            var value = ++sent;
            if (value == 1)
            {
                await gate.Task;
            }

            return value;
        });

        var first = read.ReadAsync();
        var later = Enumerable.Range(0, 49).Select(_ => read.ReadAsync()).ToList();
        gate.SetResult();

        Assert.Equal(1, await first);
        Assert.All(await Task.WhenAll(later), value => Assert.Equal(2, value));
        Assert.Equal(2, read.Reads);
    }

    [Fact]
    public async Task ReadAsync_TheReadFails_EveryCallerWaitingForItHearsItAndTheNextReadServesAgain()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = 0;
        var read = new SharedRead<string>(async () =>
        {
            sent++;
            if (sent == 1)
            {
                await gate.Task;
            }

            return sent == 2 ? throw new IOException("connection reset") : "maps";
        });

        var first = read.ReadAsync();
        var failing = Enumerable.Range(0, 5).Select(_ => read.ReadAsync()).ToList();
        gate.SetResult();

        Assert.Equal("maps", await first);
        foreach (var caller in failing)
        {
            await Assert.ThrowsAsync<IOException>(() => caller);
        }

        Assert.Equal("maps", await read.ReadAsync());
        Assert.Equal(3, read.Reads);
    }
}
