using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// kill -9 of the server at each step of a release under load through 3 haproxy, then a restart on the same data
/// directory: the release must end, once, with every proxy on the new colour, the record complete and no client
/// request failed. Each step is reached by natural slowness, not by a hook in the product.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class ServerCrashTests(ReliabilityReport report)
{
    private static readonly DeploymentStep[] ReleaseSteps =
        [DeploymentStep.Provision, DeploymentStep.AwaitHealthy, DeploymentStep.Switch, DeploymentStep.Drain, DeploymentStep.Retire];

    [Theory]
    [InlineData(DeploymentStep.Provision)]
    [InlineData(DeploymentStep.AwaitHealthy)]
    [InlineData(DeploymentStep.Switch)]
    [InlineData(DeploymentStep.Drain)]
    [InlineData(DeploymentStep.Retire)]
    public async Task KillServer_DuringStep_RestartedServerFinishesReleaseOnOneColour(DeploymentStep step)
    {
        var options = step switch
        {
            // The app sleeps 2 s before it serves: health checks see it UP late (for Drain: time to send the requests
            // that hold the drain, below, while blue is still live).
            DeploymentStep.AwaitHealthy or DeploymentStep.Drain => new FaultStageOptions { StartDelay = TimeSpan.FromSeconds(2) },
            // edge-2's Runtime API link freezes the haproxy at the switch command.
            DeploymentStep.Switch => new FaultStageOptions { Relayed = true },
            // The drain gives up at once, so the old colour is stopped with a slow request in flight: its graceful
            // shutdown (SIGTERM, requests finish) holds the Retire step.
            DeploymentStep.Retire => new FaultStageOptions { DrainTimeout = TimeSpan.FromMilliseconds(300) },
            _ => new FaultStageOptions(),
        };
        await using var stage = await FaultStage.StartAsync(options);
        var notes = new List<string>();

        Task<FrontendReply>? direct = null;
        using var directClient = new FrontendClient(new Uri($"http://127.0.0.1:{stage.GreenPort}/"), TimeSpan.FromSeconds(20));
        if (step == DeploymentStep.Provision)
        {
            // Green still runs an older instance serving a slow request: re-creating green stops it first, and its
            // graceful shutdown waits for that request.
            await stage.StartInstanceAsync(FaultStage.GreenInstance, "green", stage.GreenPort, "0");
            direct = directClient.GetAsync(FaultStage.Host, "/?delay_ms=3000");
            await Task.Delay(300);
        }

        // Slow clients keep requests in flight on the live colour, so the drain after the switch takes ~1.5 s.
        var (load, slow) = stage.StartLoad(clients: 20, slowClients: 4, slowDelay: TimeSpan.FromMilliseconds(1500));
        await load.WaitForRequestsAsync(200);

        int? frozen = null;
        Task? armed = null;
        if (step == DeploymentStep.Switch)
        {
            var pid = await FaultStage.WorkerPidAsync(stage.Proxies[2]);
            armed = stage.Relays[2].ArmAsync(["set map ", "add map "], async () =>
            {
                await Signals.StopAsync(pid);
                frozen = pid;
            });
        }

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        if (armed is not null)
        {
            await armed.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Task<FrontendReply>? held = null;
        using var heldClient = new FrontendClient(stage.Proxies[0].FrontendUrl, TimeSpan.FromSeconds(30));
        if (step is DeploymentStep.Drain or DeploymentStep.Retire)
        {
            // The slow clients run in step, so what they leave in flight at the switch can end within the moment it
            // takes to see the step. One 4 s request sent to blue before the switch holds the drain for sure, or (drain
            // timeout 300 ms) blue's graceful shutdown in Retire; either way blue must answer it.
            await stage.WaitForAsync(release.Id, d => d.Step == DeploymentStep.AwaitHealthy, TimeSpan.FromSeconds(30), "step AwaitHealthy");
            held = heldClient.GetAsync(FaultStage.Host, "/?delay_ms=4000");
        }

        var seen = await stage.WaitForAsync(release.Id, d => d.Step == step, TimeSpan.FromSeconds(30), $"step {step}");
        // The grain shows a step while its write is still under way: let it land, so the crash is in that step. For
        // Provision, this also makes sure the server is inside provisioning (stopping the old green).
        await Task.Delay(step == DeploymentStep.Provision ? 300 : 100);

        await FaultStage.KillNowAsync(stage.Server);
        notes.Add($"killed at {seen.Step}");
        if (frozen is { } stopped)
        {
            await Signals.ContinueAsync(stopped);
        }

        await stage.Server.StartAsync();
        var done = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(60));
        var resumedAt = FaultStage.ResumedStep(stage.Server, release.Id);
        var routes = await stage.ReadRoutesAsync();
        var info = await stage.ServiceGrain.GetAsync();
        await load.WaitForRequestsAsync(load.Sent + 100);
        var fast = await load.StopAsync();
        var slowResult = await slow!.StopAsync();
        var directReply = direct is null ? null : await direct;
        var heldReply = held is null ? null : await held;
        var blueRunning = await stage.IsRunningAsync(FaultStage.BlueInstance);

        var problems = FaultStage.RecordProblems(done, [.. ReleaseSteps, DeploymentStep.Done]);
        if (!done.Retired)
        {
            problems.Add("old colour not retired");
        }

        var sent = fast.Sent + slowResult.Sent;
        var failed = fast.Failed + slowResult.Failed;
        notes.Add($"resumed at {resumedAt?.ToString() ?? "?"}; outcome {done.Outcome}; routes {string.Join(",", routes.Values.Distinct())}");
        if (done.Error is not null)
        {
            notes.Add($"error: {done.Error}");
        }

        notes.AddRange(fast.Errors.Concat(slowResult.Errors).Take(3).Select(e => $"client error at {e.At.TotalSeconds:0.0} s via {e.Frontend.Authority}: {e.Message}"));

        var survived = resumedAt == step && done.Outcome == DeploymentOutcome.Succeeded && routes.Values.All(v => v == "web_green")
            && info?.LiveColour == Colour.Green && problems.Count == 0 && failed == 0 && blueRunning != true
            && (directReply is null || directReply.Echo?.Colour == "green")
            && (heldReply is null || (heldReply.Status == System.Net.HttpStatusCode.OK && heldReply.Echo?.Colour == "blue"));
        report.Record(new ReliabilityCase(
            $"crash: kill -9 server during {step}", 1, survived ? 1 : 0, sent, failed,
            problems.Count == 0 ? "none" : string.Join("; ", problems), string.Join("; ", notes)));

        Assert.Equal(step, resumedAt);
        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Empty(problems);
        Assert.All(routes, r => Assert.Equal("web_green", r.Value));
        Assert.Equal(Colour.Green, info?.LiveColour);
        Assert.NotEqual(true, blueRunning);
        Assert.True(failed == 0, $"{failed} of {sent} requests failed: {string.Join("; ", fast.Errors.Concat(slowResult.Errors).Select(e => e.Message))}");
        if (directReply is not null)
        {
            // The old green instance finished the request it was serving before it stopped.
            Assert.Equal(System.Net.HttpStatusCode.OK, directReply.Status);
        }

        if (heldReply is not null)
        {
            // The request that held the drain was answered by blue: the resumed drain waited for it.
            Assert.Equal(System.Net.HttpStatusCode.OK, heldReply.Status);
            Assert.Equal("blue", heldReply.Echo?.Colour);
        }
    }
}
