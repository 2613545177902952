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

    /// <summary>True while a master CLI connection is held and checked; until then (connecting, reading its <c>show proc</c>) the watch goes on.</summary>
    private volatile bool _holding;

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
    /// answers, every <see cref="ReloadPollInterval"/>, until the new one has the held routes. While the master refuses
    /// a connection (for a moment after each reload, or for good when it is gone) the agent asks every
    /// <see cref="WatchInterval"/>, and tries to hold a connection again after <see cref="HoldRetryDelay"/>; so it does
    /// too after a close whose window saw no new HAProxy, until HAProxy is seen to change (a master that closes every
    /// connection at once would otherwise keep the agent asking every 20 ms). Without a master CLI it asks every
    /// <see cref="WatchInterval"/>. Every tick also asks, so a change the master did not
    /// announce is still seen within a tick.
    /// </summary>
    private async Task TickLoopAsync(CancellationToken cancellationToken)
    {
        long? lastSnapshot = null;
        long? lastWatch = null;
        Task<HoldEnd>? hold = null;
        var refusals = 0;
        long? refusedAt = null;
        long? reloadSince = null;
        var reloadSeen = false;
        // True once a reload window ended without seeing HAProxy change, until it is seen to change or a hold is in place
        // again: a master that closes every connection at once (not HAProxy's, or broken) would otherwise open one 20 ms
        // window after another.
        var unconfirmed = false;
        while (true)
        {
            var untilSnapshot = lastSnapshot is null ? TimeSpan.Zero : options.Tick - time.GetElapsedTime(lastSnapshot.Value);
            if (untilSnapshot > TimeSpan.Zero)
            {
                var untilRetry = refusedAt is { } refused ? HoldRetryDelay(refusals - 1) - time.GetElapsedTime(refused) : TimeSpan.Zero;
                if (hold is null && reloadSince is null && untilRetry <= TimeSpan.Zero && core.HasMaster)
                {
                    hold = HoldMasterAsync(cancellationToken);
                    refusedAt = null;
                }

                var untilWatch = WatchInterval - (lastWatch is { } watched ? time.GetElapsedTime(watched) : WatchInterval);
                var pause = reloadSince is not null ? ReloadPollInterval
                    : _holding ? untilSnapshot
                    : refusedAt is not null && untilRetry < untilWatch ? untilRetry
                    : untilWatch;
                if (pause > TimeSpan.Zero)
                {
                    var delay = Task.Delay(pause < untilSnapshot ? pause : untilSnapshot, time, cancellationToken);
                    await (hold is null ? delay : Task.WhenAny(delay, hold));
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            if (hold is { IsCompleted: true })
            {
                var end = await hold;
                if (end == HoldEnd.ClosedWhileHeld)
                {
                    // A master that answered while holding: its close is HAProxy's own signal.
                    unconfirmed = false;
                }

                if (end != HoldEnd.Refused && !unconfirmed)
                {
                    // Closed by the master: watch closely for the new HAProxy.
                    (reloadSince, reloadSeen, refusals) = (time.GetTimestamp(), false, 0);
                }
                else
                {
                    // Refused, or closed again after a close that brought no new HAProxy: asked every WatchInterval
                    // meanwhile, and held again after HoldRetryDelay.
                    (refusedAt, refusals) = (time.GetTimestamp(), refusals + 1);
                }

                hold = null;
            }

            var snapshotDue = lastSnapshot is null || time.GetElapsedTime(lastSnapshot.Value) >= options.Tick;
            if (!snapshotDue && reloadSince is null && !_holding && lastWatch is { } last && time.GetElapsedTime(last) < WatchInterval)
            {
                // Woken to hold the master again, or by a hold that ended, not to ask: the watch keeps its pace.
                continue;
            }

            if (snapshotDue)
            {
                // Also when the read fails: the next one is a tick later, and the watch goes on meanwhile.
                lastSnapshot = time.GetTimestamp();
            }

            lastWatch = time.GetTimestamp();
            var outcome = await core.TickAsync(snapshotDue, masterHeld: _holding, cancellationToken);
            if (outcome.Reapplied is { } reapplied)
            {
                events.Publish(reapplied);
            }

            if (outcome.Snapshot is { } snapshot)
            {
                events.Publish(snapshot);
            }

            if (outcome.HaProxyChanged)
            {
                unconfirmed = false;
            }

            if (reloadSince is { } since)
            {
                reloadSeen |= outcome.HaProxyChanged;
                var done = reloadSeen && outcome.Error is null && (core.Routes.Converged || core.Routes.Held is null);
                if (done || time.GetElapsedTime(since) >= ReloadWindow)
                {
                    reloadSince = null;
                    unconfirmed = !reloadSeen;
                }
            }
        }
    }

    /// <summary>
    /// How long after its <paramref name="refusals"/>-th refusal in a row the agent tries to hold the master CLI again:
    /// <see cref="ReloadPollInterval"/>, doubling up to one second. Right after a reload the master refuses connections
    /// until it has bound its CLI again, a few milliseconds; a master that is gone costs one failed connect a second.
    /// </summary>
    internal static TimeSpan HoldRetryDelay(int refusals) =>
        TimeSpan.FromTicks(Math.Min(ReloadPollInterval.Ticks << Math.Min(refusals, 6), TimeSpan.TicksPerSecond));

    /// <summary>
    /// <see cref="HoldEnd.ClosedWhileHeld"/> or <see cref="HoldEnd.ClosedBeforeHeld"/> when HAProxy may have changed:
    /// the master closed the held connection after answering its <c>show proc</c>, or HAProxy had changed already when
    /// the connection was held. <see cref="HoldEnd.Refused"/> when the master could not be reached, its <c>show proc</c>
    /// could not be read, or holding failed some other way: the watch then asks every <see cref="WatchInterval"/> and the
    /// hold is tried again after <see cref="HoldRetryDelay"/>.
    /// </summary>
    private async Task<HoldEnd> HoldMasterAsync(CancellationToken cancellationToken)
    {
        using var release = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var (closed, changedBefore) = await core.HoldMasterAsync(release.Token);
            if (!changedBefore)
            {
                _holding = true;
                await closed;
            }

            cancellationToken.ThrowIfCancellationRequested();
            return changedBefore ? HoldEnd.ClosedBeforeHeld : HoldEnd.ClosedWhileHeld;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HoldEnd.Refused;
        }
        finally
        {
            // A connection still held (HAProxy changed before it was) is let go: the watch asks now.
            _holding = false;
            await release.CancelAsync();
        }
    }

    /// <summary>How a hold of the master CLI ended.</summary>
    private enum HoldEnd
    {
        /// <summary>Not taken: the master could not be reached, did not answer its <c>show proc</c>, or failed some other way.</summary>
        Refused,

        /// <summary>Closed, or HAProxy had changed, before the hold was in place (the master never answered while held).</summary>
        ClosedBeforeHeld,

        /// <summary>Closed by the master after it answered its <c>show proc</c>: the hold was in place.</summary>
        ClosedWhileHeld,
    }
}
