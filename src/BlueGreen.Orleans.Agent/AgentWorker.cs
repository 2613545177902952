using BlueGreen.Orleans.Agent.Control;
using BlueGreen.Orleans.Agent.Options;
using Microsoft.Extensions.Hosting;

namespace BlueGreen.Orleans.Agent;

/// <summary>
/// Runs the agent: converge to the state file first, then the watch/tick loop and the dial-out stream side by side. The
/// loop never waits for the stream: HAProxy is kept on the held routes while the control plane is down.
/// </summary>
internal sealed class AgentWorker(AgentOptions options, AgentCore core, AgentEvents events, ControlPlaneClient controlPlane, TimeProvider time) : BackgroundService
{
    /// <summary>
    /// How often the agent asks which HAProxy answers (one <c>show info</c>, microseconds): a reload is noticed within this,
    /// however long the snapshot tick is.
    /// </summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await core.StartAsync(stoppingToken) is { } started)
        {
            events.Publish(started);
        }

        var stream = controlPlane.RunAsync(stoppingToken);
        try
        {
            await TickLoopAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await stream;
    }

    private async Task TickLoopAsync(CancellationToken cancellationToken)
    {
        var interval = options.Tick < WatchInterval ? options.Tick : WatchInterval;
        using var timer = new PeriodicTimer(interval, time);
        long? lastSnapshot = null;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var snapshotDue = lastSnapshot is null || time.GetElapsedTime(lastSnapshot.Value) >= options.Tick;
            var outcome = await core.TickAsync(snapshotDue, cancellationToken);
            if (outcome.Reapplied is { } reapplied)
            {
                events.Publish(reapplied);
            }

            if (outcome.Snapshot is { } snapshot)
            {
                lastSnapshot = time.GetTimestamp();
                events.Publish(snapshot);
            }
        }
    }
}
