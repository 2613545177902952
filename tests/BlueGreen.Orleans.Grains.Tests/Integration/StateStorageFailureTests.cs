using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// The service grain when its state storage fails (a real fleet; the silo's real store with writes failing on order):
/// nothing half-started, no outcome shown that storage lacks, a retry within seconds, a stale copy re-read.
/// </summary>
public sealed class StateStorageFailureTests
{
    private const string ServiceStateName = "service";
    private const string CatalogStateName = "catalog";

    [Fact]
    public async Task Release_StateWriteFails_StorageErrorOnOneLineAndNothingStarted()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        fleet.Storage.FailWrites(ServiceStateName, new IOException("SQLite Error 13: 'database or disk is full'."));

        var error = await Assert.ThrowsAsync<BlueGreenException>(() => fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default));

        Assert.Equal(ErrorCode.StorageFailed, error.Code);
        Assert.StartsWith("state storage failed: SQLite Error 13: 'database or disk is full'.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Null((await fleet.ServiceGrain.GetAsync())!.ActiveDeployment);
        Assert.Empty(await fleet.ServiceGrain.ListDeploymentsAsync());

        // Storage back: the next release is not refused as "in progress", and runs.
        fleet.Storage.Heal(ServiceStateName);
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id)).Outcome);
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_CatalogWriteFailsAfterTheSave_AcceptedAndRuns()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        fleet.Storage.FailWrites(CatalogStateName, new IOException("catalog store down"));

        // The deployment is saved, so it runs: the caller hears that, not the catalog's failure.
        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);

        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(30))).Outcome);
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_StateWriteFailsAtTheEnd_NeverShownFinishedUnsavedAndRetriedWithinSeconds()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        var failing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fleet.Hooks.Before(DeploymentStep.Retire, _ =>
        {
            // The write that records the outcome fails (the disk filled during the drain).
            fleet.Storage.FailWrites(ServiceStateName, new IOException("database or disk is full"));
            failing.SetResult();
            return Task.CompletedTask;
        });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await failing.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // While no write lands, the grain shows the deployment as storage holds it: unfinished. (The loop retries the step
        // every 10 polls, 0.5 s here: the window below sees several attempts fail.)
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (DateTime.UtcNow < until)
        {
            var seen = await fleet.ServiceGrain.GetDeploymentAsync(release.Id);
            Assert.False(seen!.IsFinished, $"shown {seen.Outcome} while storage holds step {(await fleet.Storage.StoredAsync<ServiceState>(ServiceStateName)).Active?.Step}");
            await Task.Delay(50);
        }

        // Storage back: the next retry records it, within seconds (not on the 1-minute reminder).
        fleet.Storage.Heal(ServiceStateName);
        var finished = await fleet.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(10));

        var stored = await fleet.Storage.StoredAsync<ServiceState>(ServiceStateName);
        Assert.Equal(DeploymentOutcome.Succeeded, finished.Outcome);
        Assert.Null(stored.Active);
        Assert.Equal((release.Id, DeploymentOutcome.Succeeded), (stored.History[0].Id, stored.History[0].Outcome));
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }

    [Fact]
    public async Task Release_OutcomeWriteInFlightThenFails_NoReadEverShowsTheDeploymentFinished()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        TaskCompletionSource? held = null;
        fleet.Hooks.Before(DeploymentStep.Retire, _ =>
        {
            // From here the disk is slow: the write that records the outcome hangs while callers read the service.
            held = fleet.Storage.HoldWrites(ServiceStateName);
            return Task.CompletedTask;
        });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await Eventually.UntilAsync(() => Task.FromResult(held), h => h is not null, TimeSpan.FromSeconds(60), "the Retire step");
        var seen = new List<DeploymentRecord?>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (DateTime.UtcNow < until)
        {
            // The confirm window, the retire and the outcome's write, all while the write hangs.
            seen.Add(await fleet.ServiceGrain.GetDeploymentAsync(release.Id));
            seen.Add((await fleet.ServiceGrain.GetAsync())?.ActiveDeployment ?? (await fleet.ServiceGrain.GetAsync())?.LastDeployment);
            await Task.Delay(50);
        }

        // The write fails: the outcome was never stored, so no caller may have seen it.
        fleet.Storage.FailWrites(ServiceStateName, new IOException("database or disk is full"));
        held!.SetResult();
        await Task.Delay(500);
        seen.Add(await fleet.ServiceGrain.GetDeploymentAsync(release.Id));

        Assert.DoesNotContain(seen, d => d is null || d.IsFinished);
        fleet.Storage.Heal(ServiceStateName);
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(10))).Outcome);
    }

    [Fact]
    public async Task Loop_StateChangedElsewhere_GrainReReadsTheRecordAndFinishes()
    {
        await using var fleet = await Fleet.StartAsync(proxyCount: 1);
        fleet.Hooks.Before(DeploymentStep.Drain, _ => fleet.Storage.WriteBehindAsync<ServiceState>(ServiceStateName));

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);

        // The loop's next write is an ETag conflict: the grain deactivates, and the next call's activation resumes from
        // the record in storage (its loop observes Drain once more).
        Assert.Equal(DeploymentOutcome.Succeeded, (await fleet.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(20))).Outcome);
        Assert.Equal(2, fleet.Hooks.Seen.Count(s => s == (DeploymentStep.Drain, release.Id)));
        Assert.Equal(["green 2"], await fleet.ServedAsync());
    }
}
