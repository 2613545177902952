using System.Diagnostics;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Bench.Soak;

/// <summary>
/// One soak run on a <see cref="FaultStage"/>: 3 haproxy, one embedded server, the echo service. Each round picks an
/// operation (release, rollback, promote) and a fault (none, kill -9 of the server at a random step then a restart, a
/// reload of a random haproxy, a full restart of edge-2), waits for the deployment to end, and checks the invariants:
/// the deployment ended with a complete record, every proxy's live worker routes to the service's live colour, the
/// frontends answer with that colour's live version, a retired colour is not running, and no client request failed.
/// Load runs through edge-0 and edge-1 (edge-2 is the one restarted: a restart drops that haproxy's own client
/// connections whatever the orchestrator does).
/// </summary>
internal sealed class SoakRun(TimeSpan duration, int seed)
{
    private static readonly DeploymentStep[] Steps =
        [DeploymentStep.Provision, DeploymentStep.AwaitHealthy, DeploymentStep.Switch, DeploymentStep.Drain, DeploymentStep.Retire];

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"soak: {duration} (seed {seed})");
        await using var stage = await FaultStage.StartAsync(new FaultStageOptions { Proxies = 3, DrainTimeout = TimeSpan.FromSeconds(5) });
        var (load, slow) = stage.StartLoad(clients: 20, slowClients: 4, slowDelay: TimeSpan.FromMilliseconds(1000), through: stage.Proxies.Take(2));
        await load.WaitForRequestsAsync(100, cancellationToken);
        var rounds = 0;
        var version = 1;
        while (clock.Elapsed < duration && _violations.Count == 0 && !cancellationToken.IsCancellationRequested)
        {
            rounds++;
            var info = (await stage.ServiceGrain.GetAsync())!;
            var (operation, start) = PickOperation(stage, info, ref version);
            var fault = Pick(["none", "kill", "kill", "reload", "restart"]);
            var step = Pick(Steps);
            var record = await start();
            var note = await InjectAsync(stage, record.Id, fault, step);
            DeploymentRecord done;
            try
            {
                done = await stage.WaitFinishedAsync(record.Id, TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException e)
            {
                _violations.Add($"round {rounds}: {e.Message}");
                break;
            }

            Count($"{operation}: {done.Outcome}");
            await CheckAsync(stage, rounds, done, load.Failed + slow!.Failed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{clock.Elapsed:hh\\:mm\\:ss} round {rounds}: {operation} #{done.Id} {done.From.Name()}→{done.Target.Name()} {done.Outcome} in {(done.FinishedAt - done.CreatedAt)?.TotalSeconds:0.0} s; {fault} {note}; requests {load.Sent + slow.Sent}, failed {load.Failed + slow.Failed}"));
        }

        var fast = await load.StopAsync();
        var slowResult = await slow!.StopAsync();
        var summary = Summary(clock.Elapsed, rounds, fast, slowResult);
        Console.WriteLine();
        Console.WriteLine(summary);
        await File.WriteAllTextAsync(SoakReportPath(), summary, cancellationToken);
        Console.WriteLine($"Wrote {SoakReportPath()}");
        return _violations.Count == 0 ? 0 : 1;
    }

    private (string Name, Func<Task<DeploymentRecord>> Start) PickOperation(FaultStage stage, ServiceInfo info, ref int version)
    {
        var choices = new List<string> { "release" };
        if (info.Versions.ContainsKey(info.LiveColour.Other()))
        {
            choices.Add("rollback");
        }

        if (info.LiveColour == Colour.Green)
        {
            choices.Add("promote");
        }

        var name = Pick([.. choices]);
        var next = (++version).ToString(CultureInfo.InvariantCulture);
        var service = stage.ServiceGrain;
        return (name, name switch
        {
            "rollback" => () => service.RollbackAsync(DeploymentOptions.Default),
            "promote" => () => service.PromoteAsync(DeploymentOptions.Default),
            _ => () => service.ReleaseAsync(next, DeploymentOptions.Default),
        });
    }

    /// <summary>Waits for the chosen step (polling every 20 ms) and applies the fault there; says what happened.</summary>
    private async Task<string> InjectAsync(FaultStage stage, long id, string fault, DeploymentStep step)
    {
        if (fault == "none")
        {
            Count("fault: none");
            return string.Empty;
        }

        var at = await stage.WaitForAsync(id, d => d.Step == step, TimeSpan.FromSeconds(60), $"step {step}");
        if (at.IsFinished || at.Step != step)
        {
            Count($"fault: {fault} missed (step {step} too short)");
            return $"missed {step}";
        }

        switch (fault)
        {
            case "kill":
                await Task.Delay(50);
                await FaultStage.KillNowAsync(stage.Server);
                await stage.Server.StartAsync();
                var resumed = FaultStage.ResumedStep(stage.Server, id);
                Count($"fault: kill -9 server in {step}");
                return $"in {step}, restarted, resumed at {resumed?.ToString() ?? "?"}";
            case "reload":
                var proxy = _random.Next(stage.Proxies.Count);
                await stage.Proxies[proxy].ReloadAsync();
                Count($"fault: reload haproxy in {step}");
                return $"edge-{proxy} in {step}";
            default:
                await stage.Proxies[2].RestartAsync();
                Count($"fault: restart haproxy edge-2 in {step}");
                return $"edge-2 in {step}";
        }
    }

    private async Task CheckAsync(FaultStage stage, int round, DeploymentRecord done, long failed)
    {
        var problems = FaultStage.RecordProblems(done, DeploymentStep.Done);
        var info = (await stage.ServiceGrain.GetAsync())!;
        if (info.ActiveDeployment is not null)
        {
            problems.Add($"deployment {info.ActiveDeployment.Id} still active");
        }

        var live = info.LiveColour.Backend(FaultStage.Service);
        try
        {
            // A proxy restarted in the round may need its grain's monitor (250 ms) to catch up: 2 s at most.
            await stage.WaitRoutesAsync(live, TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            var routes = await stage.ReadRoutesAsync();
            problems.Add($"proxies not all on {live}: {string.Join(", ", routes.Select(r => $"{r.Key}={r.Value}"))}");
        }

        // The live colour's instance answers with the live version: a stale process holding the colour's port (an
        // instance started and never recorded) would pass the route check and every health check.
        var liveVersion = info.Versions.GetValueOrDefault(info.LiveColour);
        foreach (var proxy in stage.Proxies.Take(2))
        {
            using var http = new Harness.FrontendClient(proxy.FrontendUrl);
            var echo = (await http.GetAsync(FaultStage.Host)).Echo;
            if (echo?.Colour != info.LiveColour.Name() || echo.Version != liveVersion)
            {
                problems.Add($"{proxy.Address} answered {echo?.Colour ?? "no echo"} {echo?.Version}, not the live {info.LiveColour.Name()} {liveVersion}");
            }
        }

        if (done.Retired)
        {
            var name = $"{FaultStage.Service}-{done.RetireColour.Name()}-s1";
            if (await stage.IsRunningAsync(name) == true && !info.Running.Contains(done.RetireColour))
            {
                problems.Add($"{name} retired but still running");
            }
        }

        if (failed > 0)
        {
            problems.Add($"{failed} client requests failed");
        }

        foreach (var problem in problems)
        {
            var text = $"round {round} (deployment {done.Id}, {done.Kind}, {done.Outcome}): {problem}";
            _violations.Add(text);
            Console.Error.WriteLine("VIOLATION " + text);
        }
    }

    private string Summary(TimeSpan elapsed, int rounds, Harness.Load.LoadResult fast, Harness.Load.LoadResult slow)
    {
        var text = new StringBuilder()
            .AppendLine("# Soak")
            .AppendLine()
            .AppendLine("Generated by `bash bench/soak.sh` (`bluegreen-bench soak`); do not edit by hand. Releases, rollbacks and promotes of one")
            .AppendLine("service in a loop on 3 real haproxy, a real bluegreen-server (embedded) and echo processes, under closed-loop")
            .AppendLine("load that never retries (20 clients + 4 holding each request 1 s, through edge-0 and edge-1), with a random fault")
            .AppendLine("per round: none, kill -9 of the server at a random step (then a restart on the same data), a SIGUSR2 reload of a")
            .AppendLine("random haproxy, or a full restart of edge-2. After every round: the deployment ended with a complete record, every")
            .AppendLine("proxy's live worker routes to the live colour (within 2 s), edge-0 and edge-1 answer with the live colour's")
            .AppendLine("version, a retired colour is stopped, 0 failed requests.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {BenchmarkReport.MachineAsync(CancellationToken.None).GetAwaiter().GetResult()}; seed {seed}.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Reproduce: `bash bench/soak.sh --duration {Format(duration)} --seed {seed}`")
            .AppendLine()
            .AppendLine("| figure | value |")
            .AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| result | {(_violations.Count == 0 ? "no violation" : "VIOLATION")} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| ran | {elapsed.TotalMinutes:0.0} min |")
            .AppendLine(CultureInfo.InvariantCulture, $"| rounds (deployments) | {rounds} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| client requests | {fast.Sent + slow.Sent} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| failed requests | {fast.Failed + slow.Failed} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| throughput (fast clients) | {fast.RequestsPerSecond:0} req/s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| latency p50 / p99 / max (fast clients) | {fast.Percentile(0.5):0.0} / {fast.Percentile(0.99):0.0} / {fast.Percentile(1):0.0} ms |");
        foreach (var (name, count) in _counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {count} |");
        }

        if (_violations.Count > 0)
        {
            text.AppendLine().AppendLine("## Violations").AppendLine();
            foreach (var violation in _violations)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {violation}");
            }
        }

        foreach (var error in fast.Errors.Concat(slow.Errors).Take(5))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- client error at {error.At.TotalSeconds:0.0} s via {error.Frontend.Authority}: {error.Message}");
        }

        return text.ToString();
    }

    private static string Format(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0}m") : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0}s");

    private static string SoakReportPath() => Path.Combine(Path.GetDirectoryName(BenchmarkReport.ReportPath())!, "soak.md");

    private void Count(string what) => _counts[what] = _counts.GetValueOrDefault(what) + 1;

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
