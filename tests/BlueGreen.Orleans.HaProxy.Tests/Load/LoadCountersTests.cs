using BlueGreen.Orleans.Harness.Load;

namespace BlueGreen.Orleans.HaProxy.Tests.Load;

/// <summary>The live counts the demo prints: a reading taken while clients count must never show more answers than requests.</summary>
public sealed class LoadCountersTests
{
    [Fact]
    public async Task Snapshot_WhileClientsCount_NeverMoreAnswersThanSent()
    {
        const int perWriter = 200_000;
        var counters = new LoadCounters();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                if (i % 100 == 0)
                {
                    counters.Failure();
                }
                else
                {
                    counters.Answered(w == 0 ? "blue" : "green");
                }
            }
        })).ToList();

        var readings = 0;
        var worst = 0L;
        while (writers.Any(w => !w.IsCompleted) || readings == 0)
        {
            var counts = counters.Snapshot();
            worst = Math.Max(worst, counts.Answered + counts.Failed - counts.Sent);
            readings++;
        }

        await Task.WhenAll(writers);
        var final = counters.Snapshot();
        Assert.True(worst <= 0, $"a snapshot showed {worst} more answers and failures than requests sent ({readings} readings)");
        Assert.Equal(2L * perWriter, final.Sent);
        Assert.Equal(final.Sent, final.Answered + final.Failed);
    }
}
