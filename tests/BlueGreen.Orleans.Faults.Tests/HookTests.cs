using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// Deployment webhooks against a real HTTP receiver on 127.0.0.1, a real server process and real haproxy under the
/// non-retrying load generator: a before_switch veto rolls back with no failed request, a hanging hook is cut at its
/// timeout and vetoes, a 503 is retried, the notifications come with the right event, and a server killed -9 while the
/// receiver holds the before_switch request calls it again after the restart and finishes. Every request's signature is
/// recomputed here from the secret file and the exact body.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class HookTests(ReliabilityReport report) : IDisposable
{
    private const string Key = "hook-secret-0123456789abcdef";

    private readonly TempFolder _secrets = NewSecrets();

    private static TempFolder NewSecrets()
    {
        var folder = new TempFolder("hook-secrets");
        File.WriteAllText(folder.File("web"), Key + "\n");
        return folder;
    }

    private Task<FaultStage> StartStageAsync(int proxies) => FaultStage.StartAsync(new FaultStageOptions
    {
        Proxies = proxies,
        ServerArguments = ["--BlueGreen:Hooks:SecretsFolder", _secrets.Path, "--BlueGreen:Hooks:AllowedHosts:0", "127.0.0.1", "--BlueGreen:Hooks:RetryDelay", "00:00:00.100"],
    });

    private static ServiceSpec WithHooks(FaultStage stage, HookReceiver receiver, params HookSpec[] hooks) =>
        stage.Spec with { HookSecret = "web", Hooks = [.. hooks.Select(h => h with { Url = new Uri(receiver.Url, h.Url).ToString() })] };

    private static HookSpec Hook(string hookEvent, TimeSpan? timeout = null, int retries = 2) =>
        new() { Event = hookEvent, Url = hookEvent, Timeout = timeout ?? TimeSpan.FromSeconds(5), Retries = retries };

    /// <summary>What a receiver checks: HMAC-SHA256 with the key of "&lt;timestamp&gt;.&lt;body&gt;", written out without the product's code.</summary>
    private static bool SignedWithTheKey(ReceivedHook hook)
    {
        var timestamp = hook.Header("X-BlueGreen-Timestamp") ?? string.Empty;
        var material = Encoding.ASCII.GetBytes(timestamp + ".").Concat(hook.Body).ToArray();
        return hook.Header("X-BlueGreen-Signature") == "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), material));
    }

    private static string Event(ReceivedHook hook) => JsonDocument.Parse(hook.Body).RootElement.GetProperty("event").GetString()!;

    [Fact]
    public async Task Release_BeforeSwitchHookAnswers500_RollsBackAndBlueServesEveryRequest()
    {
        await using var receiver = new HookReceiver { Answer = (h, _) => Task.FromResult(h.Path.EndsWith(HookRules.BeforeSwitch, StringComparison.Ordinal) ? 500 : 200) };
        await using var stage = await StartStageAsync(proxies: 3);
        await stage.ServiceGrain.ApplyAsync(WithHooks(stage, receiver, Hook(HookRules.BeforeSwitch), Hook(HookRules.AfterSwitch), Hook(HookRules.OnFailure)));
        var (load, _) = stage.StartLoad();
        await load.WaitForRequestsAsync(200);

        var (exit, output) = await CliRun.RunAsync(["release", FaultStage.Service, "--version", "2", .. stage.CliServer()]);
        await load.WaitForRequestsAsync(load.Sent + 200);
        var result = await load.StopAsync();
        var d = (await stage.ServiceGrain.ListDeploymentsAsync())[0];
        var routes = await stage.ReadRoutesAsync();
        var greenRunning = await stage.IsRunningAsync(FaultStage.GreenInstance);
        var received = receiver.Received.ToList();

        var survived = exit == ExitCodes.RolledBack && d.Outcome == DeploymentOutcome.RolledBack && routes.Values.All(v => v == "web_blue") && result.Failed == 0 && greenRunning != true;
        report.Record(new ReliabilityCase(
            "hook: before_switch answers 500 (veto), under load", 1, survived ? 1 : 0, result.Sent, result.Failed, "none",
            $"3 attempts, then rolled back; {result.ByColour.GetValueOrDefault("blue")} answers from blue, {result.ByColour.GetValueOrDefault("green")} from green"));

        Assert.Equal(ExitCodes.RolledBack, exit);
        Assert.Contains("vetoed", output, StringComparison.Ordinal);
        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains($"before_switch hook {new Uri(receiver.Url, HookRules.BeforeSwitch)} vetoed the switch: HTTP 500", d.Error, StringComparison.Ordinal);
        Assert.Contains(d.Events, e => e.Message.StartsWith($"hook before_switch {new Uri(receiver.Url, HookRules.BeforeSwitch)}: HTTP 500 after 3 attempts", StringComparison.Ordinal));
        Assert.DoesNotContain(d.Events, e => e.Message.StartsWith("switched to", StringComparison.Ordinal));
        Assert.All(routes, r => Assert.Equal("web_blue", r.Value));
        Assert.NotEqual(true, greenRunning);
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} requests failed");
        Assert.False(result.ByColour.ContainsKey("green"), "green answered a request");

        // Three attempts at the veto, then the failure notice; never after_switch. Every one signed with the key.
        Assert.Equal([HookRules.BeforeSwitch, HookRules.BeforeSwitch, HookRules.BeforeSwitch, HookRules.OnFailure], received.Select(Event));
        Assert.All(received, h => Assert.True(SignedWithTheKey(h), $"request {h.Number} is not signed with the key"));
        var failure = JsonDocument.Parse(received[^1].Body).RootElement;
        Assert.Equal("RolledBack", failure.GetProperty("outcome").GetString());
        Assert.Equal(d.Id, failure.GetProperty("deploymentId").GetInt64());
    }

    [Fact]
    public async Task Release_BeforeSwitchHookHangs_EachAttemptTimesOutAndVetoes()
    {
        await using var receiver = new HookReceiver
        {
            Answer = async (_, stop) =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, stop);
                return 200;
            },
        };
        await using var stage = await StartStageAsync(proxies: 1);
        await stage.ServiceGrain.ApplyAsync(WithHooks(stage, receiver, Hook(HookRules.BeforeSwitch, TimeSpan.FromMilliseconds(500), retries: 1)));

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var d = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(DeploymentOutcome.RolledBack, d.Outcome);
        Assert.Contains("vetoed the switch: no answer within 0.5 s", d.Error, StringComparison.Ordinal);
        Assert.Equal(2, receiver.Received.Count);
        Assert.All(await stage.ReadRoutesAsync(), r => Assert.Equal("web_blue", r.Value));
    }

    [Fact]
    public async Task Release_BeforeSwitch503Then200_SwitchesAndNotifiesAfterSwitchAndDrain()
    {
        var before = 0;
        await using var receiver = new HookReceiver
        {
            Answer = (h, _) => Task.FromResult(h.Path.EndsWith(HookRules.BeforeSwitch, StringComparison.Ordinal) && Interlocked.Increment(ref before) == 1 ? 503 : 200),
        };
        await using var stage = await StartStageAsync(proxies: 1);
        await stage.ServiceGrain.ApplyAsync(WithHooks(stage, receiver, Hook(HookRules.BeforeSwitch), Hook(HookRules.AfterSwitch), Hook(HookRules.AfterDrain), Hook(HookRules.OnFailure)));

        var (exit, output) = await CliRun.RunAsync(["release", FaultStage.Service, "--version", "2", .. stage.CliServer()]);
        var d = (await stage.ServiceGrain.ListDeploymentsAsync())[0];
        var received = receiver.Received.ToList();

        Assert.True(exit == ExitCodes.Ok, output);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.Contains(d.Events, e => e.Message.StartsWith($"hook before_switch {new Uri(receiver.Url, HookRules.BeforeSwitch)}: HTTP 200 after 2 attempts", StringComparison.Ordinal));
        Assert.Equal([HookRules.BeforeSwitch, HookRules.BeforeSwitch, HookRules.AfterSwitch, HookRules.AfterDrain], received.Select(Event));
        Assert.All(received, h => Assert.True(SignedWithTheKey(h), $"request {h.Number} is not signed with the key"));

        var drained = JsonDocument.Parse(received[^1].Body).RootElement;
        Assert.Equal(FaultStage.Service, drained.GetProperty("service").GetString());
        Assert.Equal(d.Id, drained.GetProperty("deploymentId").GetInt64());
        Assert.Equal("release", drained.GetProperty("kind").GetString());
        Assert.Equal(("blue", "green"), (drained.GetProperty("fromColour").GetString(), drained.GetProperty("toColour").GetString()));
        Assert.Equal(("1", "2"), (drained.GetProperty("fromVersion").GetString(), drained.GetProperty("toVersion").GetString()));
        Assert.Equal("Drain", drained.GetProperty("step").GetString());
        Assert.Equal(ServerProcess.AdminTokenName, drained.GetProperty("actor").GetString());
        Assert.Equal("Switch", JsonDocument.Parse(received[2].Body).RootElement.GetProperty("step").GetString());
        Assert.All(await stage.ReadRoutesAsync(), r => Assert.Equal("web_green", r.Value));
    }

    [Fact]
    public async Task KillServer_WhileTheReceiverHoldsTheBeforeSwitchCall_RestartedServerCallsAgainAndFinishes()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = new HookReceiver
        {
            Answer = async (h, stop) =>
            {
                if (h.Number == 1)
                {
                    held.TrySetResult();
                    await Task.Delay(Timeout.InfiniteTimeSpan, stop);
                }

                return 200;
            },
        };
        await using var stage = await StartStageAsync(proxies: 3);
        await stage.ServiceGrain.ApplyAsync(WithHooks(stage, receiver, Hook(HookRules.BeforeSwitch, TimeSpan.FromSeconds(30), retries: 0)));
        var (load, _) = stage.StartLoad();
        await load.WaitForRequestsAsync(200);

        var release = await stage.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await FaultStage.KillNowAsync(stage.Server);
        var routesWhileDown = await stage.ReadRoutesAsync();
        await stage.Server.StartAsync();
        var d = await stage.WaitFinishedAsync(release.Id, TimeSpan.FromSeconds(60));
        var resumedAt = FaultStage.ResumedStep(stage.Server, release.Id);
        await load.WaitForRequestsAsync(load.Sent + 200);
        var result = await load.StopAsync();
        var routes = await stage.ReadRoutesAsync();
        var received = receiver.Received.ToList();

        var survived = resumedAt == DeploymentStep.Switch && d.Outcome == DeploymentOutcome.Succeeded && routes.Values.All(v => v == "web_green") && result.Failed == 0;
        report.Record(new ReliabilityCase(
            "crash: kill -9 server during a before_switch hook call", 1, survived ? 1 : 0, result.Sent, result.Failed, "none",
            string.Create(CultureInfo.InvariantCulture, $"resumed at {resumedAt}; the hook called {received.Count} times (at least once); outcome {d.Outcome}")));

        Assert.All(routesWhileDown, r => Assert.Equal("web_blue", r.Value));
        Assert.Equal(DeploymentStep.Switch, resumedAt);
        Assert.Equal(DeploymentOutcome.Succeeded, d.Outcome);
        Assert.All(routes, r => Assert.Equal("web_green", r.Value));
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} requests failed");

        // Delivered at least once: the same deployment and event again, which a receiver dedupes on.
        Assert.Equal(2, received.Count);
        var ids = received.Select(h => JsonDocument.Parse(h.Body).RootElement.GetProperty("deploymentId").GetInt64()).ToList();
        Assert.All(ids, id => Assert.Equal(release.Id, id));
        Assert.All(received, h => Assert.Equal(HookRules.BeforeSwitch, Event(h)));
        Assert.Contains(d.Events, e => e.Message.StartsWith("hook before_switch", StringComparison.Ordinal) && e.Message.Contains("HTTP 200", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_HookSecretFileMissingOrHostNotAllowed_RefusedInOneLineNothingSaved()
    {
        await using var receiver = new HookReceiver();
        await using var stage = await StartStageAsync(proxies: 1);
        var missing = WithHooks(stage, receiver, Hook(HookRules.BeforeSwitch)) with { HookSecret = "missing" };
        var elsewhere = WithHooks(stage, receiver, Hook(HookRules.BeforeSwitch));
        elsewhere = elsewhere with { Hooks = [elsewhere.Hooks[0] with { Url = elsewhere.Hooks[0].Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) }] };

        var noFile = await Assert.ThrowsAsync<BlueGreenException>(() => stage.ServiceGrain.ApplyAsync(missing));
        var notAllowed = await Assert.ThrowsAsync<BlueGreenException>(() => stage.ServiceGrain.ApplyAsync(elsewhere));
        var saved = (await stage.ServiceGrain.GetAsync())!.Spec.Hooks;
        AttackLog.Record(
            "grain: a spec's hooks (real server)",
            "service apply with a hook to a host the server does not allow (localhost; only 127.0.0.1 allowed), and with hook_secret naming no file",
            $"{notAllowed.Code}: {notAllowed.Message} / {noFile.Code}: {noFile.Message}; hooks saved: {saved.Count}; requests received: {receiver.Received.Count}",
            saved.Count == 0 && receiver.Received.IsEmpty);

        Assert.Equal((ErrorCode.InvalidArgument, ErrorCode.InvalidArgument), (noFile.Code, notAllowed.Code));
        Assert.Equal("hook_secret: no file 'missing' in the hook secrets folder.", noFile.Message);
        Assert.Equal("hooks[0].url: its host is not one this server may call (BlueGreen:Hooks:AllowedHosts).", notAllowed.Message);
        Assert.Empty((await stage.ServiceGrain.GetAsync())!.Spec.Hooks);
        Assert.Empty(receiver.Received);
    }

    public void Dispose() => _secrets.Dispose();
}
