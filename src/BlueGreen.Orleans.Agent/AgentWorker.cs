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
    /// How often the agent asks which HAProxy answers (one <c>show info</c>) when it holds no master CLI connection (none
    /// given, or the master does not answer): a reload is noticed within this, however long the snapshot tick is.
    /// </summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// After the master closed the connection the agent holds (a reload, a stop): how often it asks which HAProxy answers
    /// until it has seen the new one and converged it, for at most <see cref="ReloadWindow"/>.
    /// </summary>
    public static readonly TimeSpan ReloadPollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the agent asks every <see cref="ReloadPollInterval"/> after the master closed its connection.</summary>
    public static readonly TimeSpan ReloadWindow = TimeSpan.FromSeconds(10);

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

    /// <summary>
    /// The watch and the snapshot tick. With a master CLI the agent holds one idle connection to it and asks nothing
    /// between ticks: the master closes it when HAProxy reloads or stops, and only then does the agent ask which HAProxy
    /// answers, every <see cref="ReloadPollInterval"/>, until the new one has the held routes. Without one (or while the
    /// master does not answer, until the next tick tries again) it asks every <see cref="WatchInterval"/>. Every tick
    /// also asks, so a change the master did not announce is still seen within a tick.
    /// </summary>
    private async Task TickLoopAsync(CancellationToken cancellationToken)
    {
        long? lastSnapshot = null;
        Task<bool>? hold = null;
        var holdRefused = false;
        long? reloadSince = null;
        var reloadSeen = false;
        while (true)
        {
            var untilSnapshot = lastSnapshot is null ? TimeSpan.Zero : options.Tick - time.GetElapsedTime(lastSnapshot.Value);
            if (untilSnapshot > TimeSpan.Zero)
            {
                if (hold is null && reloadSince is null && !holdRefused && core.HasMaster)
                {
                    hold = HoldMasterAsync(cancellationToken);
                }

                var pause = reloadSince is not null ? ReloadPollInterval : hold is not null ? untilSnapshot : WatchInterval;
                var delay = Task.Delay(pause < untilSnapshot ? pause : untilSnapshot, time, cancellationToken);
                await (hold is null ? delay : Task.WhenAny(delay, hold));
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (hold is { IsCompleted: true })
            {
                // Closed by the master: watch closely for the new HAProxy. Refused: asked every WatchInterval until the next tick.
                if (await hold)
                {
                    (reloadSince, reloadSeen) = (time.GetTimestamp(), false);
                }
                else
                {
                    holdRefused = true;
                }

                hold = null;
            }

            var snapshotDue = lastSnapshot is null || time.GetElapsedTime(lastSnapshot.Value) >= options.Tick;
            if (snapshotDue)
            {
                // Also when the read fails: the next one is a tick later, and the watch goes on meanwhile.
                (lastSnapshot, holdRefused) = (time.GetTimestamp(), false);
            }

            var outcome = await core.TickAsync(snapshotDue, cancellationToken);
            if (outcome.Reapplied is { } reapplied)
            {
                events.Publish(reapplied);
            }

            if (outcome.Snapshot is { } snapshot)
            {
                events.Publish(snapshot);
            }

            if (reloadSince is { } since)
            {
                reloadSeen |= outcome.HaProxyChanged;
                var done = reloadSeen && outcome.Error is null && (core.Routes.Converged || core.Routes.Held is null);
                if (done || time.GetElapsedTime(since) >= ReloadWindow)
                {
                    reloadSince = null;
                }
            }
        }
    }

    /// <summary>
    /// True when HAProxy may have changed: the master closed the held connection, or HAProxy had changed already when
    /// the connection was held. False when the master could not be reached, or holding failed some other way: the watch
    /// then asks every <see cref="WatchInterval"/> until the next tick, and the agent goes on.
    /// </summary>
    private async Task<bool> HoldMasterAsync(CancellationToken cancellationToken)
    {
        using var release = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var (closed, changedBefore) = await core.HoldMasterAsync(release.Token);
            if (!changedBefore)
            {
                await closed;
            }

            cancellationToken.ThrowIfCancellationRequested();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
        finally
        {
            // A connection still held (HAProxy changed before it was) is let go: the watch asks now.
            await release.CancelAsync();
        }
    }
}
