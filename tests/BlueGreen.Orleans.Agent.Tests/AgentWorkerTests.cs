namespace BlueGreen.Orleans.Agent.Tests;

public sealed class AgentWorkerTests
{
    [Theory]
    [InlineData(0, 20)]
    [InlineData(1, 40)]
    [InlineData(2, 80)]
    [InlineData(5, 640)]
    [InlineData(6, 1000)]
    [InlineData(7, 1000)]
    [InlineData(int.MaxValue, 1000)]
    public void HoldRetryDelay_DoublesFromTheReloadPollIntervalUpToOneSecond(int refusals, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), AgentWorker.HoldRetryDelay(refusals));
}
