using BlueGreen.Orleans.Gateway.Agents;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>What a stream reports to its proxy grain, and when it wakes the reporter.</summary>
public sealed class AgentStreamReportTests
{
    [Fact]
    public async Task Acknowledged_AnsweredPush_HeldVersionWaitsForTheNextReport()
    {
        var report = new AgentStreamReport("edge-1");

        report.Acknowledged(new V1.RoutesAck { Version = 7, HeldVersion = 7 }, urgent: false);
        var woken = report.ReadyAsync(CancellationToken.None);
        await Task.Yield();

        // No wake-up of its own (a switch's ack adds no grain call), but nothing is lost: the next report carries it.
        Assert.False(woken.IsCompleted);
        Assert.Equal(7, report.Take().HeldVersion);
    }

    [Fact]
    public async Task Acknowledged_NobodyWaited_ReportedAtOnce()
    {
        var report = new AgentStreamReport("edge-1");

        report.Acknowledged(new V1.RoutesAck { Version = 9, HeldVersion = 9 }, urgent: true);

        await report.ReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(9, report.Take().HeldVersion);
    }
}
