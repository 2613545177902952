using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>
/// The drain against HAProxy reloads and restarts: old workers keep carrying requests to the old colour after a reload
/// (counted through the master CLI), a proxy without a master CLI cannot count them, and a full restart kills the
/// requests open on it — which the record must say.
/// </summary>
public sealed class DrainWorkersTests
{
    private static readonly ResolvedOptions Options = new(
        HealthTimeout: TimeSpan.FromSeconds(10), DrainTimeout: TimeSpan.FromSeconds(5), KeepWarm: TimeSpan.Zero,
        VerifyWindow: TimeSpan.Zero, MaxErrorRatio: 0.01, StopTimeout: TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly DateTimeOffset _start;
    private readonly FakeDeploymentEnvironment _env;
    private readonly DeploymentEngine _engine;
    private DateTimeOffset? _retiredAt;

    public DrainWorkersTests()
    {
        _start = _time.GetUtcNow();
        _env = new FakeDeploymentEnvironment(_time, "p1", "p2", "p3");
        foreach (var p in _env.Proxies)
        {
            _env.Routes[p] = Colour.Blue;
            _env.Masters.Add(p);
        }

        _env.WorkerPid = _ => 100;
        _env.WorkerUptime = _ => TimeSpan.FromHours(1);
        _engine = new DeploymentEngine(_env, _time);
    }

    private TimeSpan Elapsed => _time.GetUtcNow() - _start;

    private DeploymentRecord Release(ResolvedOptions? options = null) =>
        _engine.Create(1, "web", DeploymentKind.Release, Colour.Blue, Colour.Green, "2", provisionTarget: true, options ?? Options);

    private async Task<DeploymentRecord> RunAsync(DeploymentRecord d)
    {
        for (var i = 0; i < 1000 && !d.IsFinished; i++)
        {
            var next = await _engine.AdvanceAsync(d);
            if (next.Step == DeploymentStep.Retire && d.Step != DeploymentStep.Retire)
            {
                _retiredAt = _time.GetUtcNow();
            }

            if (next.Step == d.Step && !next.IsFinished)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            d = next;
        }

        return d;
    }

    private static string Events(DeploymentRecord d) => string.Join("\n", d.Events.Select(e => $"{e.ProxyId}: {e.Message}"));

    [Fact]
    public async Task Drain_ReloadLeavesSessionsOnAnOldWorker_WaitsForThem()
    {
        // p2 reloads 0.5 s into the drain; its old worker keeps a slow request to blue until 3 s; the live worker has none.
        _env.WorkerPid = p => p == "p2" && Elapsed >= TimeSpan.FromMilliseconds(500) ? 101 : 100;
        _env.OldWorkerSessions = (p, c) => p == "p2" && c == Colour.Blue && Elapsed >= TimeSpan.FromMilliseconds(500) && Elapsed < TimeSpan.FromSeconds(3) ? 1 : 0;
        _env.Sessions = (p, c) => p == "p2" && c == Colour.Blue && Elapsed < TimeSpan.FromMilliseconds(500) ? 1 : 0;

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.InRange(_retiredAt!.Value - _start, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.2));
        Assert.Contains("p2: HAProxy reloaded (worker 100 → 101); 1 sessions to blue on old workers", Events(d), StringComparison.Ordinal);
        Assert.Contains("blue drained on every proxy", Events(d), StringComparison.Ordinal);
        Assert.False(d.DrainCut);
    }

    [Fact]
    public async Task Drain_OldWorkerSessions_ShownInProgress()
    {
        _env.OldWorkerSessions = (p, c) => p == "p1" && c == Colour.Blue ? 2 : 0;
        _env.Sessions = (p, c) => p == "p1" && c == Colour.Blue ? 1 : 0;
        var d = Release();
        while (d.Step != DeploymentStep.Drain || d.Proxies[0].SessionsLeft is null)
        {
            d = await _engine.AdvanceAsync(d);
        }

        Assert.Equal(3, d.Proxies[0].SessionsLeft);
        Assert.Equal(2, d.Proxies[0].OldWorkerSessions);
        Assert.Equal(0, d.Proxies[1].OldWorkerSessions);
    }

    [Fact]
    public async Task Drain_MasterUnreadable_NotDrainedUntilItAnswers()
    {
        _env.MasterUnreadable.Add("p3");
        var answers = _start + TimeSpan.FromSeconds(2);

        var pending = Release();
        for (var i = 0; i < 10; i++)
        {
            pending = await _engine.AdvanceAsync(pending);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(DeploymentStep.Drain, pending.Step);
        Assert.Contains("master CLI", pending.Proxies[2].Error, StringComparison.Ordinal);
        _time.Advance(answers - _time.GetUtcNow());
        _env.MasterUnreadable.Clear();
        var d = await RunAsync(pending);

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(_retiredAt >= answers);
        Assert.Single(d.Events, e => e.ProxyId == "p3" && e.Message.Contains("old workers cannot be counted", StringComparison.Ordinal));
        Assert.Null(d.Proxies[2].Error);
    }

    [Fact]
    public async Task Drain_NoMasterAndTheWorkerChanges_WaitsForTheDeadlineAndSaysSo()
    {
        _env.Masters.Clear();
        _env.WorkerPid = p => p == "p2" && Elapsed >= TimeSpan.FromSeconds(1) ? 101 : 100;
        _env.WorkerUptime = p => p == "p2" && Elapsed >= TimeSpan.FromSeconds(1) ? Elapsed - TimeSpan.FromSeconds(1) : TimeSpan.FromHours(1);
        // Sessions on p2 until its reload: after it, its old worker may still carry them, unseen.
        _env.Sessions = (p, c) => p == "p2" && c == Colour.Blue && Elapsed < TimeSpan.FromSeconds(1) ? 1 : 0;

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.InRange(_retiredAt!.Value - _start, Options.DrainTimeout, Options.DrainTimeout + TimeSpan.FromMilliseconds(200));
        Assert.True(d.Proxies[1].OldWorkersUnseen);
        Assert.False(d.Proxies[0].OldWorkersUnseen);
        Assert.Contains("p2: HAProxy worker 100 → 101 started after the switch (a reload or a restart): without a master CLI", Events(d), StringComparison.Ordinal);
        Assert.Contains("drain deadline passed with 0 sessions left; old workers not seen on p2", Events(d), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_NoMasterAndAWorkerStartedAfterTheSwitch_CountsItAsChanged()
    {
        // A reload between the switch and the drain's first read: no pid to compare yet, but its uptime tells.
        _env.Masters.Clear();
        _env.WorkerUptime = p => p == "p3" ? TimeSpan.FromSeconds(1) : TimeSpan.FromHours(1);

        var d = await RunAsync(Release(Options with { VerifyWindow = TimeSpan.FromSeconds(3) }));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(d.Proxies[2].OldWorkersUnseen);
        Assert.Contains("old workers not seen on p3", Events(d), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_NoMasterAndTheSameWorker_DrainsAtOnce()
    {
        _env.Masters.Clear();

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(_retiredAt!.Value - _start < TimeSpan.FromMilliseconds(100));
        Assert.All(d.Proxies, p => Assert.False(p.OldWorkersUnseen));
        Assert.All(d.Proxies, p => Assert.Null(p.OldWorkerSessions));
    }

    [Fact]
    public async Task Drain_FullRestartWithSessionsOpen_RecordsTheCutAndIsNotClean()
    {
        // p2's haproxy is restarted at 1 s: a new master, and the request to blue that was open there is gone.
        var restart = TimeSpan.FromSeconds(1);
        _env.Master = p => p == "p2" && Elapsed >= restart ? (5, Elapsed - restart) : (1, TimeSpan.FromHours(1));
        _env.WorkerPid = p => p == "p2" && Elapsed >= restart ? 201 : 100;
        _env.Sessions = (p, c) => p == "p2" && c == Colour.Blue && Elapsed < restart ? 1 : 0;

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(d.DrainCut);
        var p2 = d.Proxies[1];
        Assert.NotNull(p2.RestartedAt);
        Assert.Equal(1, p2.SessionsLost);
        Assert.True(p2.SessionsCut);
        Assert.All(new[] { d.Proxies[0], d.Proxies[2] }, p => Assert.Null(p.RestartedAt));
        Assert.Contains("p2: HAProxy restarted (master 1 → 5): the 1 sessions to blue open at the last read died with it; the drain is not clean", Events(d), StringComparison.Ordinal);
        Assert.EndsWith("the drain was not clean: HAProxy on p2 restarted with 1 sessions to blue open", d.Events[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_RestartWithNothingOpen_StaysClean()
    {
        _env.Master = p => p == "p3" && Elapsed >= TimeSpan.FromMilliseconds(300) ? (7, TimeSpan.Zero) : (1, TimeSpan.FromHours(1));
        _env.Sessions = (p, c) => p == "p1" && c == Colour.Blue && Elapsed < TimeSpan.FromSeconds(1) ? 1 : 0;

        var d = await RunAsync(Release());

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Equal(0, d.Proxies[2].SessionsLost);
        Assert.NotNull(d.Proxies[2].RestartedAt);
        Assert.False(d.DrainCut);
        Assert.Contains("p3: HAProxy restarted (master 1 → 7); no session to blue was open at the last read", Events(d), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_RestartBeforeTheFirstRead_LossUnknownAndNotClean()
    {
        // A 3 s verify window; p1's haproxy restarts 1.5 s after the switch, before the drain ever read it.
        var window = Options with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var restart = TimeSpan.FromSeconds(1.5);
        _env.Master = p => p == "p1" && Elapsed >= restart ? (9, Elapsed - restart) : (1, TimeSpan.FromHours(1));

        var d = await RunAsync(Release(window));

        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.True(d.DrainCut);
        Assert.Null(d.Proxies[0].SessionsLost);
        var events = Events(d);
        Assert.True(events.Contains("p1: HAProxy restarted after the switch (master 9 up 1.5", StringComparison.Ordinal), events);
        Assert.Contains("HAProxy on p1 restarted with an unknown number of sessions to blue open", d.Events[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_UnreachableWhileRestarting_TheLossIsTheLastCountRead()
    {
        // p2 has 2 sessions to blue, is unreachable from 1 s to 1.5 s, and comes back under a new master with none.
        _env.Sessions = (p, c) => p == "p2" && c == Colour.Blue && Elapsed < TimeSpan.FromSeconds(1) ? 2 : 0;
        _env.Master = p => p == "p2" && Elapsed >= TimeSpan.FromSeconds(1.5) ? (5, TimeSpan.Zero) : (1, TimeSpan.FromHours(1));
        var d = Release();
        while (Elapsed < TimeSpan.FromSeconds(1))
        {
            d = await _engine.AdvanceAsync(d);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        _env.Unreachable.Add("p2");
        while (Elapsed < TimeSpan.FromSeconds(1.5))
        {
            d = await _engine.AdvanceAsync(d);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        _env.Unreachable.Clear();
        d = await RunAsync(d);

        Assert.Equal(2, d.Proxies[1].SessionsLost);
        Assert.True(d.DrainCut);
    }

    [Fact]
    public async Task Drain_MasterSilentWhileRestarting_TheLossIsTheLastCompleteCount()
    {
        // p2 has 2 sessions to blue; at 1 s it restarts: its new worker answers at once (none there), its new master only
        // from 1.5 s on. The reads in between are incomplete and must not stand for what the restart cut.
        _env.Sessions = (p, c) => p == "p2" && c == Colour.Blue && Elapsed < TimeSpan.FromSeconds(1) ? 2 : 0;
        _env.WorkerPid = p => p == "p2" && Elapsed >= TimeSpan.FromSeconds(1) ? 300 : 100;
        _env.Master = p => p == "p2" && Elapsed >= TimeSpan.FromSeconds(1) ? (5, Elapsed - TimeSpan.FromSeconds(1)) : (1, TimeSpan.FromHours(1));
        var d = Release();
        while (Elapsed < TimeSpan.FromSeconds(1))
        {
            d = await _engine.AdvanceAsync(d);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        _env.MasterUnreadable.Add("p2");
        while (Elapsed < TimeSpan.FromSeconds(1.5))
        {
            d = await _engine.AdvanceAsync(d);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        _env.MasterUnreadable.Clear();
        d = await RunAsync(d);

        Assert.Equal(2, d.Proxies[1].SessionsLost);
        Assert.True(d.DrainCut);
        Assert.Contains("p2: HAProxy restarted (master 1 → 5): the 2 sessions to blue open at the last read died with it", Events(d), StringComparison.Ordinal);
    }
}
