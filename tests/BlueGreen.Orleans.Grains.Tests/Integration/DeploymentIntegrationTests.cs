using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Grains.Tests.Proxies;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>The grains driving 3 real haproxy processes and real echo instances through the process runtime.</summary>
public sealed class DeploymentIntegrationTests
{
    [Fact]
    public async Task ReleasePromoteRollback_EveryProxyFollows_OldColourRetired()
    {
        await using var fleet = await Fleet.StartAsync();

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var released = await fleet.WaitFinishedAsync(release.Id);
        Assert.Equal(DeploymentOutcome.Succeeded, released.Outcome);
        Assert.Equal(["green 2", "green 2", "green 2"], await fleet.ServedAsync());
        Assert.NotNull(released.SwitchSkew);
        Assert.All(released.Proxies, p => Assert.NotNull(p.SwitchedAt));
        Assert.False((await fleet.InspectAsync(Colour.Blue))?.Running ?? false);

        var promote = await fleet.ServiceGrain.PromoteAsync(DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(promote.Id)).Outcome);
        Assert.Equal(["blue 2", "blue 2", "blue 2"], await fleet.ServedAsync());
        Assert.False((await fleet.InspectAsync(Colour.Green))?.Running ?? false);

        var rollback = await fleet.ServiceGrain.RollbackAsync(DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(rollback.Id)).Outcome);
        Assert.Equal(["green 2", "green 2", "green 2"], await fleet.ServedAsync());

        var info = await fleet.ServiceGrain.GetAsync();
        Assert.Equal(Colour.Green, info!.LiveColour);
        var history = await fleet.ServiceGrain.ListDeploymentsAsync();
        Assert.Equal([DeploymentKind.Rollback, DeploymentKind.Promote, DeploymentKind.Release], history.Select(d => d.Kind));
        foreach (var proxy in fleet.Proxies)
        {
            Assert.Equal([new MapEntry(Fleet.Host, "web_green")], await MapFile.ReadAsync(proxy.MapFile));
        }
    }

    [Fact]
    public async Task BackToBack_NextStartedTheMomentOneIsFinished_EachRunsAtOnce()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        var service = fleet.ServiceGrain;
        var steps = new Func<Task<DeploymentRecord>>[]
        {
            () => service.ReleaseAsync("2", DeploymentOptions.Default),
            () => service.PromoteAsync(DeploymentOptions.Default),
            () => service.RollbackAsync(DeploymentOptions.Default),
            () => service.ReleaseAsync("3", DeploymentOptions.Default),
            () => service.RollbackAsync(DeploymentOptions.Default),
        };

        foreach (var start in steps)
        {
            var started = await start();
            // Poll without pause, so the next one starts while the grain is still completing this one (its loop then
            // awaits storage, the catalog and the reminder). A deployment left to the 1-minute reminder fails here.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            DeploymentRecord? seen;
            while ((seen = await service.GetDeploymentAsync(started.Id)) is not { IsFinished: true })
            {
                Assert.True(DateTime.UtcNow < deadline, $"{started} did not finish within 30 s; last seen: {seen}");
            }

            Assert.Equal(DeploymentOutcome.Succeeded, seen.Outcome);
        }

        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Deactivate_WhileAStepRuns_TakesEffectAfterItAndOneStepRunsAtATime()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        var drain = fleet.Hooks.HoldAt(DeploymentStep.Drain);
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await drain.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        // Deactivated (as when a silo shuts down gracefully or Orleans rebalances) while the Drain step runs: a step is
        // one turn, so the deactivation waits for it; a read meanwhile answers at once from what storage holds.
        var deactivating = fleet.DeactivateServiceAsync();
        var read = await fleet.ServiceGrain.GetAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(DeploymentStep.Drain, read!.ActiveDeployment?.Step);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(deactivating.IsCompleted);
        drain.Release();
        await deactivating.WaitAsync(TimeSpan.FromSeconds(30));
        var done = await fleet.WaitFinishedAsync(release.Id);

        Assert.Equal(1, fleet.Hooks.MostStepsAtOnce);
        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_ServiceFallbackTickOfAMinute_WaitingStepsAdvanceOnWhatTheProxiesReport()
    {
        // The service's own poll is 10 s (fallback tick 100 s): waiting for green UP, for the drain and for the confirm
        // window can only end sooner through the proxies' reports (they read what it waits on every 50 ms) and the
        // step's own deadlines. Polling every 10 s, the same release takes at least 20 s.
        await using var fleet = await Fleet.StartAsync(proxyCount: 2, pollInterval: TimeSpan.FromSeconds(10));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await fleet.WaitFinishedAsync(release.Id);
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        Assert.True(took < TimeSpan.FromSeconds(15), $"the release took {took.TotalSeconds:0.0} s: its waiting steps waited for the service's own poll");
        Assert.Equal(["green 2", "green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_AStepThrows_RetriedAfterABackOffAndTheRecordSaysWhy()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        fleet.Hooks.Before(DeploymentStep.Drain, _ => Task.FromException(new InvalidOperationException("the drain's reader broke")));

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await fleet.WaitFinishedAsync(release.Id);

        // Poll 50 ms here: the first retry waits 10 polls, each next one twice as long (at most 30 s).
        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        var failed = Assert.Single(done.Events, e => e.Message.StartsWith("step Drain failed", StringComparison.Ordinal));
        Assert.Equal("step Drain failed (attempt 1): the drain's reader broke; retrying in 0.5 s", failed.Message);
        var next = done.Events.First(e => e.Sequence > failed.Sequence);
        Assert.True(next.At - failed.At >= TimeSpan.FromMilliseconds(400), $"retried {(next.At - failed.At).TotalMilliseconds:0} ms after the failure");
    }

    [Fact]
    public async Task Release_KeepWarmThenTheWallClockSetBackAnHour_OldColourRetiredOnTime()
    {
        var clock = new SteppedSystemClock();
        await using var fleet = await Fleet.StartAsync(proxyCount: 1, customize: s => s with { KeepWarm = TimeSpan.FromSeconds(3) }, time: clock);

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);
        // An NTP correction right after the release: blue's 3 s of warmth are still 3 s.
        clock.Jump(TimeSpan.FromHours(-1));

        // Reads answer from the stored record, which says so once blue is stopped.
        await Eventually.UntilAsync(() => fleet.ServiceGrain.GetAsync(), s => s!.WarmUntil.IsEmpty, TimeSpan.FromSeconds(20), "blue retired once kept warm 3 s");
        Assert.False((await fleet.InspectAsync(Colour.Blue))?.Running ?? false);
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_KeepWarm_RollbackIsInstantAndReusesRunningBlue()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2, customize: s => s with { KeepWarm = TimeSpan.FromMinutes(5) });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);
        var bluePid = (await fleet.InspectAsync(Colour.Blue))!.Id;
        Assert.True((await fleet.InspectAsync(Colour.Blue))!.Running);

        var rollback = await fleet.ServiceGrain.RollbackAsync(DeploymentOptions.Default);
        var rolledBack = await fleet.WaitFinishedAsync(rollback.Id);

        Assert.Equal(DeploymentOutcome.Succeeded, rolledBack.Outcome);
        Assert.False(rolledBack.ProvisionTarget);
        Assert.Equal(bluePid, (await fleet.InspectAsync(Colour.Blue))!.Id);
        Assert.Equal(["blue 1", "blue 1"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_GreenNeverHealthy_AutomaticRollbackBlueKeepsServing()
    {
        await using var fleet = await Fleet.StartAsync(customize: s => s with
        {
            Green = s.Green with { Arguments = s.Green.Arguments.AddRange(["--healthy", "false"]) },
            HealthTimeout = TimeSpan.FromSeconds(3),
        });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var servedDuring = await fleet.ServedAsync();
        var done = await fleet.WaitFinishedAsync(release.Id);

        Assert.Equal(DeploymentOutcome.RolledBack, done.Outcome);
        Assert.Contains("not healthy", done.Error, StringComparison.Ordinal);
        Assert.Equal(["blue 1", "blue 1", "blue 1"], servedDuring);
        Assert.Equal(["blue 1", "blue 1", "blue 1"], await fleet.ServedAsync());
        Assert.Null(done.SwitchSkew);
        Assert.False((await fleet.InspectAsync(Colour.Green))?.Running ?? false);
        Assert.Equal(Colour.Blue, (await fleet.ServiceGrain.GetAsync())!.LiveColour);
    }

    [Fact]
    public async Task Release_ProxyKilledJustBeforeTheSwitch_NoProxySwitchedAndRolledBack()
    {
        // The proxy dies after AwaitHealthy saw green UP everywhere, before the switch: the switch re-reads health and
        // switches nothing, instead of switching two proxies and then trying to put them back. (A proxy killed during
        // `set map` itself: ProxyLossTests, through a relay that kills it on that command.)
        await using var fleet = await Fleet.StartAsync(customize: s => s with { HealthTimeout = TimeSpan.FromSeconds(3) });
        fleet.Hooks.Before(DeploymentStep.Switch, _ => fleet.Proxies[1].StopAsync());

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await fleet.WaitFinishedAsync(release.Id);

        Assert.Equal(DeploymentOutcome.RolledBack, done.Outcome);
        Assert.Contains(Fleet.ProxyId(1), done.Error, StringComparison.Ordinal);
        Assert.Contains(done.Events, e => e.Message.StartsWith("web_green is no longer UP on every proxy", StringComparison.Ordinal));
        Assert.DoesNotContain(done.Events, e => e.Message.StartsWith("switched to", StringComparison.Ordinal));
        Assert.Null(done.SwitchSkew);
        foreach (var i in new[] { 0, 2 })
        {
            using var http = new FrontendClient(fleet.Proxies[i].FrontendUrl);
            Assert.Equal("blue", (await http.GetAsync(Fleet.Host)).Echo?.Colour);
            Assert.Equal([new MapEntry(Fleet.Host, "web_blue")], await MapFile.ReadAsync(fleet.Proxies[i].MapFile));
        }

        var info = (await fleet.ServiceGrain.GetAsync())!;
        Assert.Equal(Colour.Blue, info.LiveColour);
        Assert.False((await fleet.InspectAsync(Colour.Green))?.Running ?? false);

        // The killed proxy comes back on blue, like the rest of the fleet.
        await fleet.Proxies[1].RestartAsync();
        using var back = new FrontendClient(fleet.Proxies[1].FrontendUrl);
        Assert.Equal("blue", (await Eventually.UntilAsync(() => back.GetAsync(Fleet.Host), r => r.Echo is not null, TimeSpan.FromSeconds(5), "proxy 1 back")).Echo?.Colour);
    }

    [Fact]
    public async Task Release_SwitchReplyLostAndTheCallArrivesAfterTheRevert_LateSwitchRefusedAndBlueKeepsServing()
    {
        await using var fleet = await Fleet.StartAsync();
        var deliver = new TaskCompletionSource();
        // Proxy 1's switch to green times out for the service grain, which reverts every proxy and retires green;
        // only then does that switch reach proxy 1.
        fleet.LateCalls.LoseReplyOnce(nameof(IProxyGrain.SwitchRouteAsync), Fleet.ProxyId(1), a => a[1] is "web_green", deliver.Task);

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await fleet.WaitFinishedAsync(release.Id);
        deliver.SetResult();
        var late = await fleet.LateCalls.Delivered.WaitAsync(TimeSpan.FromSeconds(10));
        // A late switch that was applied would show within one monitor tick (250 ms); wait two.
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.Equal(DeploymentOutcome.Failed, done.Outcome);
        for (var i = 0; i < 3; i++)
        {
            await using var client = fleet.Proxies[i].CreateClient();
            Assert.Equal("web_blue", await client.GetMapAsync(fleet.Proxies[i].MapFile, Fleet.Host));
            Assert.Equal("web_blue", (await fleet.ProxyGrain(i).GetStatusAsync()).Routes[Fleet.Host]);
        }

        Assert.Equal(["blue 1", "blue 1", "blue 1"], await fleet.ServedAsync());
        var refused = Assert.IsType<BlueGreenException>(late);
        Assert.Equal(ErrorCode.FailedPrecondition, refused.Code);
        Assert.Contains("refused: the route is at version", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_MapFileUnwritableOnAProxy_PutBackRevertedAndReportedFailed()
    {
        await using var fleet = await Fleet.StartAsync();
        var broken = fleet.Proxies[1].MapFile;
        // The switch's set map works everywhere; saving the route cannot: proxy 1's map file is now a directory.
        fleet.Hooks.Before(DeploymentStep.Switch, _ =>
        {
            File.Delete(broken);
            Directory.CreateDirectory(broken);
            return Task.CompletedTask;
        });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await fleet.WaitFinishedAsync(release.Id);

        Assert.Equal(DeploymentOutcome.Failed, done.Outcome);
        Assert.Contains($"switch failed on {Fleet.ProxyId(1)}", done.Error, StringComparison.Ordinal);
        Assert.Contains(done.Events, e => e.ProxyId == Fleet.ProxyId(1) && e.Message.Contains("could not be persisted", StringComparison.Ordinal));
        Assert.Contains(done.Events, e => e.ProxyId == Fleet.ProxyId(0) && e.Message.StartsWith("reverted", StringComparison.Ordinal));
        for (var i = 0; i < 3; i++)
        {
            // Proxy 1 put itself back at runtime although its file could not be written.
            await using var client = fleet.Proxies[i].CreateClient();
            Assert.Equal("web_blue", await client.GetMapAsync(fleet.Proxies[i].MapFile, Fleet.Host));
            using var http = new FrontendClient(fleet.Proxies[i].FrontendUrl);
            Assert.Equal("blue", (await http.GetAsync(Fleet.Host)).Echo?.Colour);
        }

        foreach (var i in new[] { 0, 2 })
        {
            Assert.Equal([new MapEntry(Fleet.Host, "web_blue")], await MapFile.ReadAsync(fleet.Proxies[i].MapFile));
        }

        Assert.Equal(Colour.Blue, (await fleet.ServiceGrain.GetAsync())!.LiveColour);
        Assert.Equal("web_blue", (await fleet.ProxyGrain(1).GetStatusAsync()).Routes[Fleet.Host]);

        // Drift on that proxy while its file is still broken: the monitor puts the runtime right all the same, and a
        // file it cannot write does not make the proxy unreachable.
        await using (var drift = fleet.Proxies[1].CreateClient())
        {
            await drift.SetMapAsync(broken, Fleet.Host, "web_green");
            await Eventually.UntilAsync(() => drift.GetMapAsync(broken, Fleet.Host), v => v == "web_blue", TimeSpan.FromSeconds(5), "proxy 1 reconciled to web_blue");
        }

        Assert.True((await fleet.ProxyGrain(1).GetStatusAsync()).Reachable);
        Directory.Delete(broken);
    }

    [Fact]
    public async Task Release_WhileOneRuns_RefusedNamingTheRunningDeployment()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);

        var first = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var refused = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ReleaseAsync("3", DeploymentOptions.Default));
        var rollbackRefused = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.RollbackAsync(DeploymentOptions.Default));

        Assert.Equal(ErrorCode.FailedPrecondition, refused.Code);
        Assert.Contains($"deployment {first.Id}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.FailedPrecondition, rollbackRefused.Code);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(first.Id)).Outcome);
        Assert.Single(await fleet.ServiceGrain.ListDeploymentsAsync());
    }

    [Fact]
    public async Task Abort_WhileAwaitingHealth_AbortedAndBlueUntouched()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2, customize: s => s with
        {
            Green = s.Green with { Arguments = s.Green.Arguments.AddRange(["--healthy", "false"]) },
        });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await Eventually.UntilAsync(() => fleet.ServiceGrain.GetDeploymentAsync(release.Id), d => d!.Step == DeploymentStep.AwaitHealthy, TimeSpan.FromSeconds(10), "awaiting health");
        await fleet.ServiceGrain.AbortAsync();
        var done = await fleet.WaitFinishedAsync(release.Id);

        Assert.Equal(DeploymentOutcome.Aborted, done.Outcome);
        Assert.Equal(["blue 1", "blue 1"], await fleet.ServedAsync());
        Assert.False((await fleet.InspectAsync(Colour.Green))?.Running ?? false);
    }

    [Fact]
    public async Task Abort_WhileProvisioningHangs_CutsTheStepAndRetiresTheTarget()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        // Provisioning that does not end by itself (a slow start): never released by the test.
        var provisioning = fleet.Hooks.HoldAt(DeploymentStep.Provision);
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await provisioning.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        var aborted = await fleet.ServiceGrain.AbortAsync();
        var done = await fleet.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(20));

        Assert.True(aborted.AbortRequested);
        Assert.Equal(DeploymentOutcome.Aborted, done.Outcome);
        Assert.Contains(done.Events, e => e.Message.StartsWith("abort: retiring the target", StringComparison.Ordinal));
        Assert.DoesNotContain(done.Events, e => e.Message.StartsWith("step Provision failed", StringComparison.Ordinal));
        Assert.Equal(["blue 1"], await fleet.ServedAsync());
        Assert.False((await fleet.InspectAsync(Colour.Green))?.Running ?? false);
    }

    [Fact]
    public async Task Abort_WhileRollingBackAlready_RefusedNamingTheStepAndNotRecorded()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1, customize: s => s with
        {
            Green = s.Green with { Arguments = s.Green.Arguments.AddRange(["--healthy", "false"]) },
            HealthTimeout = TimeSpan.FromSeconds(2),
        });
        var retiring = fleet.Hooks.HoldAt(DeploymentStep.Retire);

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await retiring.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        BlueGreenException refused;
        try
        {
            // The health deadline passed: the deployment already ends as rolled back, retiring green.
            refused = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.AbortAsync());
        }
        finally
        {
            retiring.Release();
        }

        var done = await fleet.WaitFinishedAsync(release.Id);
        Assert.Equal(ErrorCode.FailedPrecondition, refused.Code);
        Assert.Contains($"deployment {release.Id}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("can no longer be aborted: it is at step Retire", refused.Message, StringComparison.Ordinal);
        Assert.Equal(DeploymentOutcome.RolledBack, done.Outcome);
        Assert.False(done.AbortRequested);
        Assert.Null(done.AbortRequestedBy);
    }

    [Fact]
    public async Task Abort_WhileConfirmingTheTargetBeforeRetire_SwitchedBack()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        var retiring = fleet.Hooks.HoldAt(DeploymentStep.Retire);

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await retiring.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        DeploymentRecord aborted;
        try
        {
            // Blue still runs while green is confirmed: an abort here is still honoured.
            aborted = await fleet.ServiceGrain.AbortAsync();
        }
        finally
        {
            retiring.Release();
        }

        var done = await fleet.WaitFinishedAsync(release.Id);
        Assert.True(aborted.AbortRequested);
        Assert.Equal(DeploymentOutcome.Aborted, done.Outcome);
        Assert.Equal(["blue 1"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task HaProxyRestartedWithStaleMap_ProxyGrainReappliesRoutes()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 2);
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);
        var proxy = fleet.Proxies[0];

        await proxy.StopAsync();
        // A stale file (say, restored from an old image): a restart alone would route to blue.
        await MapFile.WriteAsync(proxy.MapFile, [new MapEntry(Fleet.Host, "web_blue")]);
        var restarted = System.Diagnostics.Stopwatch.StartNew();
        await proxy.RestartAsync();

        // A request sent before the monitor's next tick (1 s) goes to blue's stopped servers and hangs in haproxy's
        // retries, hence more than one tick of slack.
        await fleet.WaitUntilServingAsync("green", "2", TimeSpan.FromSeconds(5));
        await using var client = proxy.CreateClient();
        Assert.Equal("web_green", await client.GetMapAsync(proxy.MapFile, Fleet.Host));
        var status = await fleet.ProxyGrain(0).GetStatusAsync();
        Assert.True(status.Reachable);
        Assert.True(status.Reconciliations >= 1);
        // Backend reads carry the answering worker's age, which the drain uses to discount a fresh worker's checks.
        var report = await fleet.ProxyGrain(0).GetBackendAsync("web_green");
        Assert.NotNull(report.WorkerUptime);
        Assert.InRange(report.WorkerUptime.Value, TimeSpan.Zero, restarted.Elapsed + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Apply_HostileOrUnknownInput_RefusedAndProxiesUntouched()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        await using var client = fleet.Proxies[0].CreateClient();
        var before = await client.ShowMapAsync(fleet.Proxies[0].MapFile);

        var hostileKey = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ApplyAsync(fleet.Spec with { RouteKey = "x; shutdown sessions server web_blue/s1" }));
        var unknownProxy = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ApplyAsync(fleet.Spec with { Proxies = ["nope"] }));
        var badVersion = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ReleaseAsync("2\nshow info", DeploymentOptions.Default));
        var badDeadline = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ReleaseAsync("2", new DeploymentOptions { HealthTimeout = TimeSpan.FromSeconds(-1) }));

        Assert.All([hostileKey, unknownProxy, badVersion, badDeadline], e => Assert.Equal(ErrorCode.InvalidArgument, e.Code));
        Assert.Contains("route_key", hostileKey.Message, StringComparison.Ordinal);
        Assert.Contains("nope", unknownProxy.Message, StringComparison.Ordinal);
        Assert.Equal(before, await client.ShowMapAsync(fleet.Proxies[0].MapFile));
        Assert.Empty(await fleet.ServiceGrain.ListDeploymentsAsync());
    }
}
