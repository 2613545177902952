using System.Globalization;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Maps;

/// <summary>Durable writes on this machine's kernel: the file, and the CPU priority of the thread that writes it.</summary>
public sealed class DurableFileTests : IDisposable
{
    private readonly TempFolder _folder = new("durable");

    [Fact]
    public async Task WriteAsync_Background_WritesTheFileOnAThreadAtNice19AndLeavesOtherThreadsAlone()
    {
        var path = _folder.File("state.json");
        var callerNice = CurrentThreadNice();
        var writerNice = -1;

        await DurableFile.RunOffThePoolAsync(() => writerNice = CurrentThreadNice(), WritePriority.Background, CancellationToken.None);
        await DurableFile.WriteAsync(path, "{}"u8.ToArray(), WritePriority.Background);
        var poolNices = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(CurrentThreadNice)));

        Assert.Equal(DurableFile.BackgroundNice, writerNice);
        Assert.Equal("{}", await File.ReadAllTextAsync(path));
        Assert.Equal(callerNice, CurrentThreadNice());
        Assert.All(poolNices, nice => Assert.Equal(callerNice, nice));
    }

    [Fact]
    public async Task RunOffThePoolAsync_Normal_TheCallersPriority()
    {
        var writerNice = -1;

        await DurableFile.RunOffThePoolAsync(() => writerNice = CurrentThreadNice(), WritePriority.Normal, CancellationToken.None);

        Assert.Equal(CurrentThreadNice(), writerNice);
    }

    [Fact]
    public async Task RunOffThePoolAsync_Background_EveryWriteOnTheSameLongLivedThreadInOrder()
    {
        var threads = new List<int>();
        var failing = DurableFile.RunOffThePoolAsync(() => throw new IOException("disk full"), WritePriority.Background, CancellationToken.None);

        // Queued at once, run one after the other, in order, on one thread: no thread started per write.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => DurableFile.RunOffThePoolAsync(() => threads.Add(Environment.CurrentManagedThreadId), WritePriority.Background, CancellationToken.None)));
        var failure = await Assert.ThrowsAsync<IOException>(() => failing);
        await DurableFile.RunOffThePoolAsync(() => threads.Add(Environment.CurrentManagedThreadId), WritePriority.Background, CancellationToken.None);

        // A write that failed is its caller's error; the thread goes on with the next ones.
        Assert.Equal("disk full", failure.Message);
        Assert.Equal(6, threads.Count);
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
    }

    [Fact]
    public async Task RunOffThePoolAsync_BackgroundCancelledBeforeItsTurn_NotRun()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var ran = false;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DurableFile.RunOffThePoolAsync(() => ran = true, WritePriority.Background, cancelled.Token));

        Assert.False(ran);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>The calling thread's nice value, field 19 of <c>/proc/thread-self/stat</c> (after the command name's closing parenthesis).</summary>
    private static int CurrentThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
    }
}
