using System.Globalization;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// Issue 15's faults, through agents: 3 real haproxy with a unix Runtime API only, a real bluegreen-agent beside each
/// (its host a folder the server never names), the real server. The server reaches each HAProxy only through the
/// stream its agent opened.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class AgentFleetTests(ReliabilityReport report)
{
    [Fact]
    public async Task ReleasePromoteRollback_ThroughAgentsOnThreeProxies_ZeroFailedRequests()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Agents = true });
        var (load, _) = stage.StartLoad(clients: 20);
        await load.WaitForRequestsAsync(200);
        var outcomes = new List<string>();

        var release = await RunAsync(stage, stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default));
        var released = await stage.ReadRoutesAsync();
        var promote = await RunAsync(stage, stage.ServiceGrain.PromoteAsync(DeploymentOptions.Default));
        var promoted = await stage.ReadRoutesAsync();
        var rollback = await RunAsync(stage, stage.ServiceGrain.RollbackAsync(DeploymentOptions.Default));
        var rolledBack = await stage.ReadRoutesAsync();
        var versions = await stage.AgentVersionsAsync(TimeSpan.FromSeconds(5));
        var result = await load.StopAsync();
        var metrics = await stage.Server.ScrapeMetricsAsync();

        foreach (var d in new[] { release, promote, rollback })
        {
            outcomes.Add($"{d.Kind} {d.Outcome} on {d.Target.Backend(FaultStage.Service)}");
        }

        var ok = new[] { release, promote, rollback }.All(d => d.Outcome == DeploymentOutcome.Succeeded)
            && released.Values.All(v => v == "web_green") && promoted.Values.All(v => v == "web_blue") && rolledBack.Values.All(v => v == "web_green")
            && versions.Values.All(v => v.Held == v.Desired);
        report.Record(new ReliabilityCase(
            "through agents: release → promote → rollback on 3 proxies", 3, ok ? 3 : 0, result.Sent, result.Failed, "none",
            $"{string.Join("; ", outcomes)}; agents held/desired versions {string.Join(", ", versions.Select(v => $"{v.Key} {v.Value.Held}/{v.Value.Desired}"))}"));

        Assert.All(new[] { release, promote, rollback }, d => Assert.True(d.Outcome == DeploymentOutcome.Succeeded, $"{d}\n{string.Join("\n", d.Events)}"));
        Assert.All(released, r => Assert.Equal("web_green", r.Value));
        Assert.All(promoted, r => Assert.Equal("web_blue", r.Value));
        Assert.All(rolledBack, r => Assert.Equal("web_green", r.Value));
        Assert.All(versions, v => Assert.Equal(v.Value.Desired, v.Value.Held));
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");

        // Every switch went down a stream: three deployments on three proxies, each push timed, the agent's part within it.
        var pushes = metrics.Value("bluegreen_agent_push_duration_milliseconds_count") ?? 0;
        Assert.True(pushes >= 9, $"{pushes} pushes in /metrics");
        Assert.Equal(pushes, metrics.Value("bluegreen_agent_apply_duration_milliseconds_count"));
        Assert.InRange(metrics.Value("bluegreen_agent_apply_duration_milliseconds_sum") ?? 0, 0.001, metrics.Value("bluegreen_agent_push_duration_milliseconds_sum") ?? 0);
    }

    [Fact]
    public async Task ReleaseCanary_ThroughAgentsOnThreeProxies_EachWeightServedThenSwitched_ZeroFailedRequests()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Agents = true });
        var (load, _) = stage.StartLoad(clients: 20);
        await load.WaitForRequestsAsync(200);
        var before = load.Snapshot();

        var canary = await RunAsync(stage, stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default with { Canary = [25, 100], CanaryStepInterval = TimeSpan.FromSeconds(4) }));
        var routes = await stage.ReadRoutesAsync();
        var files = await Task.WhenAll(stage.Proxies.Select(p => File.ReadAllTextAsync(p.MapFile)));
        var versions = await stage.AgentVersionsAsync(TimeSpan.FromSeconds(5));
        var result = await load.StopAsync();

        // The 25% step's own count: green answered through every agent's split before the switch.
        var held = canary.Events.Select(e => Regex.Match(e.Message, @"^25% held 4 s: 0 5xx in (\d+) responses")).FirstOrDefault(m => m.Success);
        var ok = canary.Outcome == DeploymentOutcome.Succeeded && routes.Values.All(v => v == "web_green") && held is not null && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "through agents: canary 25% → 100% on 3 proxies", 1, ok ? 1 : 0, result.Sent, result.Failed, "none",
            $"{canary.Outcome}; {held?.Value ?? "no 25% step"}; routes {string.Join(", ", routes.Values)}"));

        Assert.True(canary.Outcome == DeploymentOutcome.Succeeded, $"{canary}\n{string.Join("\n", canary.Events)}");
        Assert.Contains(canary.Events, e => e.Message.StartsWith("canary at 25% on every proxy", StringComparison.Ordinal));
        Assert.True(held is not null && long.Parse(held.Groups[1].Value, CultureInfo.InvariantCulture) > 0, string.Join("\n", canary.Events));
        Assert.All(routes, r => Assert.Equal("web_green", r.Value));
        Assert.All(files, f => Assert.DoesNotContain("/Canary/", f, StringComparison.Ordinal));
        Assert.All(versions, v => Assert.Equal(v.Value.Desired, v.Value.Held));
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
        Assert.True(result.ByColour.GetValueOrDefault("green") > before.ByColour.GetValueOrDefault("green"));
    }

    [Fact]
    public async Task Release_AgentKilledAtTheSwitchPush_OthersRevertedFailedAndTheAgentConvergesWhenBack()
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Agents = true });
        var (load, _) = stage.StartLoad(clients: 20, through: stage.Proxies.Take(2));
        await load.WaitForRequestsAsync(200);
        // kill -9 of edge-2's agent when the server pushes it the green route, before the bytes reach it.
        var killed = stage.AgentLinks[2].ArmAsync([FaultStage.RoutePushed("web_green")], () => stage.KillAgentAsync(2));

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await killed.WaitAsync(TimeSpan.FromSeconds(30));
        var done = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(30));
        var routes = await stage.ReadRoutesAsync();
        var info = await stage.ServiceGrain.GetAsync();

        // The agent back on its host: it holds blue (it never received green) and converges to the desired version.
        stage.RestartAgent(2);
        await stage.WaitAgentsAsync(TimeSpan.FromSeconds(20));
        var desired = (await stage.Client.GetGrain<IProxyGrain>("edge-2").GetStatusAsync()).Routes;
        var back = await stage.ReadRoutesAsync();
        var result = await load.StopAsync();

        var reverted = done.Events.Count(e => e.Message.StartsWith("reverted to web_blue", StringComparison.Ordinal));
        var survived = done.Outcome == DeploymentOutcome.Failed && routes["edge-0"] == "web_blue" && routes["edge-1"] == "web_blue"
            && routes["edge-2"] == "web_blue" && info?.LiveColour == Colour.Blue && back.Values.All(v => v == "web_blue") && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "through agents: an agent killed -9 at the switch push", 1, survived ? 1 : 0, result.Sent, result.Failed, "none",
            $"outcome {done.Outcome} ({done.Error}); {reverted} proxies reverted; restarted agent: edge-2 desired {desired.GetValueOrDefault(FaultStage.Host)}, serving {back["edge-2"]}; load via the 2 others"));

        Assert.Equal(DeploymentOutcome.Failed, done.Outcome);
        Assert.Contains("edge-2", done.Error, StringComparison.Ordinal);
        Assert.All(routes, r => Assert.Equal("web_blue", r.Value));
        Assert.Equal(Colour.Blue, info?.LiveColour);
        Assert.Equal("web_blue", desired[FaultStage.Host]);
        Assert.All(back, r => Assert.Equal("web_blue", r.Value));
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
    }

    [Theory]
    [InlineData(DeploymentStep.Switch)]
    [InlineData(DeploymentStep.Drain)]
    public async Task KillServer_DuringStepWithAgents_RestartedServerFinishesAndEveryAgentHoldsOneVersion(DeploymentStep step)
    {
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Agents = true });
        // Slow clients keep requests in flight on blue, so the drain after the switch takes a while.
        var (load, slow) = stage.StartLoad(clients: 20, slowClients: 4, slowDelay: TimeSpan.FromMilliseconds(1500));
        await load.WaitForRequestsAsync(200);
        using var heldClient = new FrontendClient(stage.Proxies[0].FrontendUrl, TimeSpan.FromSeconds(30));
        Task? killed = null;
        if (step == DeploymentStep.Switch)
        {
            // kill -9 of the server the moment it pushes green to edge-2: the fleet is mid-switch.
            killed = stage.AgentLinks[2].ArmAsync([FaultStage.RoutePushed("web_green")], () => FaultStage.KillNowAsync(stage.Server));
        }

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        Task<FrontendReply>? held = null;
        if (killed is not null)
        {
            await killed.WaitAsync(TimeSpan.FromSeconds(30));
        }
        else
        {
            // One 4 s request sent to blue before the switch holds the drain for sure.
            await stage.WaitForAsync(release.Id, d => d.Step == DeploymentStep.AwaitHealthy, TimeSpan.FromSeconds(30), "step AwaitHealthy");
            held = heldClient.GetAsync(FaultStage.Host, "/?delay_ms=4000");
            await stage.WaitForAsync(release.Id, d => d.Step == DeploymentStep.Drain, TimeSpan.FromSeconds(30), "step Drain");
            await Task.Delay(100);
            await FaultStage.KillNowAsync(stage.Server);
        }

        await stage.Server.StartAsync();
        var done = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(90));
        await stage.WaitAgentsAsync(TimeSpan.FromSeconds(60));
        var routes = await stage.ReadRoutesAsync();
        var versions = await stage.AgentVersionsAsync(TimeSpan.FromSeconds(10));
        var desired = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => stage.Client.GetGrain<IProxyGrain>(FaultStage.ProxyId(i)).GetStatusAsync()));
        var fast = await load.StopAsync();
        var slowResult = await slow!.StopAsync();
        var heldReply = held is null ? null : await held;
        var sent = fast.Sent + slowResult.Sent;
        var failed = fast.Failed + slowResult.Failed;

        var ok = done.Outcome == DeploymentOutcome.Succeeded && routes.Values.All(v => v == "web_green") && versions.Values.All(v => v.Held == v.Desired) && failed == 0;
        report.Record(new ReliabilityCase(
            $"through agents: server kill -9 during {step}", 1, ok ? 1 : 0, sent, failed, "none",
            $"outcome {done.Outcome}; routes {string.Join(",", routes.Values.Distinct())}; agents held/desired versions {string.Join(", ", versions.Select(v => $"{v.Key} {v.Value.Held}/{v.Value.Desired}"))}"));

        Assert.True(done.Outcome == DeploymentOutcome.Succeeded, $"{done}\n{string.Join("\n", done.Events)}");
        Assert.All(routes, r => Assert.Equal("web_green", r.Value));
        Assert.All(versions, v => Assert.Equal(v.Value.Desired, v.Value.Held));
        Assert.All(desired, d => Assert.Equal("web_green", d.Routes[FaultStage.Host]));
        Assert.Equal("blue", heldReply?.Echo?.Colour ?? "blue");
        Assert.True(failed == 0, $"{failed} of {sent} failed: {string.Join("; ", fast.Errors.Concat(slowResult.Errors).Select(e => e.Message))}");
    }

    [Fact]
    public async Task GatewayOfItsOwnKilled_AgentsReconnectToAnotherGateway_NextDeploymentGoesThroughIt()
    {
        // One silo and two gateways as processes of their own (cluster mode over redis); every agent dials gateway 0.
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Agents = true, Gateways = 2 });
        var (load, _) = stage.StartLoad(clients: 20);
        await load.WaitForRequestsAsync(200);
        var release = await RunAsync(stage, stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default));
        var released = await stage.ReadRoutesAsync();

        // kill -9 of the gateway holding every stream; the agents' next connection lands on the other gateway.
        var killedAt = DateTimeOffset.UtcNow;
        await FaultStage.KillNowAsync(stage.Gateways[0]);
        foreach (var link in stage.AgentLinks)
        {
            link.Redirect("127.0.0.1", stage.Gateways[1].GrpcPort);
        }

        await stage.WaitAgentsAsync(TimeSpan.FromSeconds(60), seenAfter: killedAt);
        var rollback = await RunAsync(stage, stage.ServiceGrain.RollbackAsync(DeploymentOptions.Default));
        var rolledBack = await stage.ReadRoutesAsync();
        var versions = await stage.AgentVersionsAsync(TimeSpan.FromSeconds(10));
        var result = await load.StopAsync();

        var ok = release.Outcome == DeploymentOutcome.Succeeded && rollback.Outcome == DeploymentOutcome.Succeeded
            && released.Values.All(v => v == "web_green") && rolledBack.Values.All(v => v == "web_blue") && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "through agents: the gateway holding their streams killed -9, agents on another gateway", 2, ok ? 2 : 1, result.Sent, result.Failed, "none",
            $"release {release.Outcome} via gateway 0; rollback {rollback.Outcome} via gateway 1; agents held/desired versions {string.Join(", ", versions.Select(v => $"{v.Key} {v.Value.Held}/{v.Value.Desired}"))}"));

        Assert.True(release.Outcome == DeploymentOutcome.Succeeded, $"{release}\n{string.Join("\n", release.Events)}");
        Assert.All(released, r => Assert.Equal("web_green", r.Value));
        Assert.True(rollback.Outcome == DeploymentOutcome.Succeeded, $"{rollback}\n{string.Join("\n", rollback.Events)}");
        Assert.All(rolledBack, r => Assert.Equal("web_blue", r.Value));
        Assert.All(versions, v => Assert.Equal(v.Value.Desired, v.Value.Held));
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Select(e => e.Message))}");
    }

    [Fact]
    public async Task SaveRouteAsync_FortyServicesAtOnceThroughAnAgent_AllInTheMapFileAndShowMapThroughFewPushes()
    {
        // Not a fault: issue 16's group commit in agent mode, end to end (real server, agent, haproxy and map file).
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Agents = true, Proxies = 1 });
        await stage.WaitAgentsAsync(TimeSpan.FromSeconds(30));
        var agent = stage.Agents[0]!;
        var grain = stage.Client.GetGrain<IProxyGrain>(FaultStage.ProxyId(0));
        var keys = Enumerable.Range(0, 40).Select(i => $"svc-{i}.local").ToList();
        var appliedBefore = AppliedVersions(agent.Output);

        await Task.WhenAll(keys.Select(k => grain.SaveRouteAsync(k, "web_green", 1)));
        var versions = await stage.AgentVersionsAsync(TimeSpan.FromSeconds(10));

        var applied = AppliedVersions(agent.Output).Except(appliedBefore).ToList();
        var file = (await MapFile.ReadAsync(stage.Proxies[0].MapFile)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        await using var client = stage.Proxies[0].CreateClient();
        var served = await stage.Proxies[0].CreateRouteMap(client).ReadRuntimeAsync();
        Assert.All(keys, k => Assert.Equal("web_green", file.GetValueOrDefault(k)));
        Assert.All(keys, k => Assert.Equal("web_green", served.GetValueOrDefault(k)));
        Assert.Equal("web_blue", served[FaultStage.Host]);
        // One push per route before group commit: forty versions acked, each an fsync of state and map file.
        Assert.InRange(applied.Count, 1, 10);
        Assert.Contains(versions[FaultStage.ProxyId(0)].Desired, applied);
        Assert.Equal(versions[FaultStage.ProxyId(0)].Desired, versions[FaultStage.ProxyId(0)].Held);
    }

    /// <summary>Every routes version the agent says it applied as the server pushed it ("Routes v… applied (Server)").</summary>
    private static HashSet<long> AppliedVersions(string output) =>
        [.. Regex.Matches(output, @"Routes v(\d+) applied \(Server\)").Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    private static async Task<DeploymentRecord> RunAsync(FaultStage stage, Task<DeploymentRecord> start)
    {
        var started = await start;
        return await stage.WaitFinishedAsync(started.Id, TimeSpan.FromSeconds(60));
    }
}
