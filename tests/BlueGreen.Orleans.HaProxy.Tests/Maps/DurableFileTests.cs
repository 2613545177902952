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

        await DurableFile.RunOnOwnThreadAsync(() => writerNice = CurrentThreadNice(), WritePriority.Background, CancellationToken.None);
        await DurableFile.WriteAsync(path, "{}"u8.ToArray(), WritePriority.Background);
        var poolNices = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(CurrentThreadNice)));

        Assert.Equal(DurableFile.BackgroundNice, writerNice);
        Assert.Equal("{}", await File.ReadAllTextAsync(path));
        Assert.Equal(callerNice, CurrentThreadNice());
        Assert.All(poolNices, nice => Assert.Equal(callerNice, nice));
    }

    [Fact]
    public async Task RunOnOwnThreadAsync_Normal_TheCallersPriority()
    {
        var writerNice = -1;

        await DurableFile.RunOnOwnThreadAsync(() => writerNice = CurrentThreadNice(), WritePriority.Normal, CancellationToken.None);

        Assert.Equal(CurrentThreadNice(), writerNice);
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
