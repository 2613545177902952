using System.Collections.Immutable;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Bench.Recipe;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// The switch step on a fleet of N real haproxy processes (each on its own 127.0.0.x): this project (a real
/// bluegreen-server, warm rollbacks, the duration and skew the deployment record holds) against the recipe's way (one
/// <c>echo "set map …" | socat</c> per proxy, one after the other, timed inside bash), in the same run.
/// </summary>
internal static class FleetSwitchBenchmark
{
    private const string Host = "web.local";
    private const string Service = "web";
    private const int WarmUp = 3;

    // What the switch must beat (docs/benchmarks.md states them): ≥ 20× the recipe at N = 50, medians ≤ 5 ms.
    private const double TargetRatioAt50 = 20;
    private const double TargetSwitchMs = 5;
    private const double TargetSkewMs = 5;

    public static Command Command()
    {
        var proxies = new Option<int[]>("--proxies") { Description = "Fleet sizes to measure.", DefaultValueFactory = _ => [1, 10, 50], AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int>("--samples") { Description = "Switches per fleet size and method (at least 30).", DefaultValueFactory = _ => 30 };
        var command = new Command("fleet-switch", "The switch step on N haproxy processes: bluegreen-server vs a sequential echo | socat per proxy.") { proxies, samples };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(proxies)!, parse.GetValue(samples), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int[] sizes, int samples, CancellationToken cancellationToken)
    {
        if (samples < 30 || sizes.Length == 0 || sizes.Any(n => n is < 1 or > 200))
        {
            await Console.Error.WriteLineAsync("--samples must be at least 30 and every --proxies value 1..200.");
            return 2;
        }

        var rows = new List<Row>();
        await using var blue = await EchoInstance.StartAsync("blue", "1", cancellationToken: cancellationToken);
        await using var green = await EchoInstance.StartAsync("green", "2", cancellationToken: cancellationToken);
        foreach (var n in sizes)
        {
            try
            {
                rows.Add(await MeasureFleetAsync(n, samples, blue, green, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"fleet-switch failed at N = {n}: {e}");
                return 1;
            }
        }

        var body = Render(rows, samples);
        Console.WriteLine(body);
        await BenchmarkReport.WriteSectionAsync("fleet-switch", "Fleet switch: N haproxy processes", body, BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
        return 0;
    }

    private static async Task<Row> MeasureFleetAsync(int n, int samples, EchoInstance blue, EchoInstance green, CancellationToken cancellationToken)
    {
        var backends = new ServiceBackends
        {
            Name = Service,
            Blue = [blue.AsServer("s1")],
            Green = [green.AsServer("s1")],
            // The product's default checks: what a user gets without tuning.
            Check = new HealthCheck(),
        };
        var proxies = new List<HaProxyInstance>();
        using var folder = new TempFolder("fleetbench");
        try
        {
            var addresses = Enumerable.Range(0, n).Select(_ => Loopback.NextAddress()).ToList();
            if (addresses.Distinct().Count() != n)
            {
                throw new InvalidOperationException($"could not give {n} proxies distinct 127.0.0.x addresses.");
            }

            foreach (var chunk in addresses.Chunk(10))
            {
                proxies.AddRange(await Task.WhenAll(chunk.Select(a => HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = "web_blue" }, address: a, cancellationToken: cancellationToken))));
            }

            Console.WriteLine($"N = {n}: {n} haproxy processes on {string.Join(", ", addresses.Take(3))}{(n > 3 ? ", …" : string.Empty)}");

            // The recipe first, while no orchestrator watches the proxies (its monitor would put its routes back).
            var recipe = await MeasureRecipeAsync(proxies, samples, cancellationToken);
            Console.WriteLine($"  recipe: median {recipe.Duration.Median:0.00} ms, skew median {recipe.Skew.Median:0.00} ms");

            var project = await MeasureProjectAsync(proxies, samples, folder, blue, green, cancellationToken);
            Console.WriteLine($"  bluegreen-server: median {project.Duration.Median:0.00} ms, skew median {project.Skew.Median:0.00} ms");
            return new Row(n, project.Duration, project.Skew, recipe.Duration, recipe.Skew);
        }
        finally
        {
            await Task.WhenAll(proxies.Select(p => p.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// Warm rollbacks on a real server: both colours run (external runtime: the bench started them), so each rollback is
    /// a forced health check, the switch and an empty drain. The switch duration and skew are the deployment record's.
    /// </summary>
    private static async Task<(LatencyStats Duration, LatencyStats Skew)> MeasureProjectAsync(
        List<HaProxyInstance> proxies, int samples, TempFolder folder, EchoInstance blue, EchoInstance green, CancellationToken cancellationToken)
    {
        // The product's default intervals, not the harness's faster test ones (later arguments win).
        await using var server = new ServerProcess(folder.File("server"), extraArguments: ["--BlueGreen:ProxyMonitorInterval", "00:00:01", "--BlueGreen:DeploymentPollInterval", "00:00:00.100"], processCommands: []);
        await server.StartAsync();
        try
        {
            var client = server.Client;
            var ids = proxies.Select((_, i) => $"edge-{i}").ToImmutableList();
            await Task.WhenAll(proxies.Select((p, i) => client.GetGrain<IProxyGrain>(ids[i]).RegisterAsync(new ProxyRegistration { RuntimeApi = p.RuntimeApi.ToString(), MapFile = p.MapFile })));
            var colour = new ColourSpec { Runtime = "external" };
            var service = client.GetGrain<IServiceGrain>(Service);
            await service.ApplyAsync(new ServiceSpec
            {
                Name = Service,
                RouteKey = Host,
                Proxies = ids,
                Blue = colour with { Instances = [new InstanceSlot("s1", blue.Address, blue.Port)] },
                Green = colour with { Instances = [new InstanceSlot("s1", green.Address, green.Port)] },
                HealthTimeout = TimeSpan.FromSeconds(30),
                DrainTimeout = TimeSpan.FromSeconds(10),
                KeepWarm = TimeSpan.FromHours(1),
                LiveVersion = "1",
            });

            // Green gets version 2 once; from then on every rollback flips between two warm colours.
            await RunDeploymentAsync(service, () => service.ReleaseAsync("2", DeploymentOptions.Default), cancellationToken);
            var durations = new List<double>();
            var skews = new List<double>();
            for (var i = 0; i < WarmUp + samples; i++)
            {
                var done = await RunDeploymentAsync(service, () => service.RollbackAsync(DeploymentOptions.Default), cancellationToken);
                if (i >= WarmUp)
                {
                    durations.Add(done.SwitchDuration!.Value.TotalMilliseconds);
                    skews.Add(done.SwitchSkew!.Value.TotalMilliseconds);
                }
            }

            // Prove the last switch landed: every frontend answers from the live colour.
            var live = (await service.GetAsync())!.LiveColour.Name();
            await Task.WhenAll(proxies.Select(async p =>
            {
                using var http = new FrontendClient(p.FrontendUrl);
                var reply = await http.GetAsync(Host, cancellationToken: cancellationToken);
                if (reply.Echo?.Colour != live)
                {
                    throw new InvalidOperationException($"{p.Address} answers from '{reply.Echo?.Colour ?? reply.Status.ToString()}', not the live colour {live}.");
                }
            }));
            return (LatencyStats.Of(durations), LatencyStats.Of(skews));
        }
        catch when (server.Output.Length > 0)
        {
            await Console.Error.WriteLineAsync(Tail(server.Output, 4000));
            throw;
        }
    }

    private static async Task<DeploymentRecord> RunDeploymentAsync(IServiceGrain service, Func<Task<DeploymentRecord>> start, CancellationToken cancellationToken)
    {
        var started = await start();
        var deadline = Stopwatch.GetTimestamp();
        while (true)
        {
            // Finished and handed over: the service takes the next command only once it has no active deployment.
            var idle = (await service.GetAsync())?.ActiveDeployment is null;
            var d = await service.GetDeploymentAsync(started.Id) ?? throw new InvalidOperationException($"deployment {started.Id} vanished.");
            if (d.IsFinished && idle)
            {
                return d.Outcome == DeploymentOutcome.Succeeded && d.SwitchDuration is not null && d.SwitchSkew is not null
                    ? d
                    : throw new InvalidOperationException($"{d} did not succeed: {d.Error}");
            }

            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{d} not finished within 60 s.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>
    /// The recipe's <c>forwardTo</c> for a fleet: one bash loop sending <c>echo "set map …" | socat</c> to each proxy in
    /// turn. <c>$EPOCHREALTIME</c> is read before the first proxy and after each reply: duration = last reply − start,
    /// skew = last reply − first reply.
    /// </summary>
    private static async Task<(LatencyStats Duration, LatencyStats Skew)> MeasureRecipeAsync(List<HaProxyInstance> proxies, int samples, CancellationToken cancellationToken)
    {
        var targets = string.Join(' ', proxies.Select(p => $"{p.RuntimeApi.Host}:{p.RuntimeApi.Port}:{p.MapFile}"));
        var script = $$"""
            set -e
            targets=({{targets}})
            for ((i = 0; i < {{WarmUp + samples}}; i++)); do
              if (( i % 2 )); then b=web_blue; else b=web_green; fi
              line=$EPOCHREALTIME
              for t in "${targets[@]}"; do
                IFS=: read -r host port map <<< "$t"
                r=$(echo "set map $map {{Host}} $b" | socat stdio tcp4-connect:$host:$port)
                [ -z "$r" ] || { echo "set map on $host failed: $r" >&2; exit 1; }
                line="$line $EPOCHREALTIME"
              done
              (( i < {{WarmUp}} )) || echo "$line"
            done
            """;
        var output = await RecipeScript.RunAsync(script, cancellationToken);

        var durations = new List<double>();
        var skews = new List<double>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var t = line.Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            durations.Add((t[^1] - t[0]) * 1000);
            skews.Add((t[^1] - t[1]) * 1000);
        }

        // The last sample set blue or green on every proxy: prove it through each frontend.
        var expected = (WarmUp + samples - 1) % 2 == 1 ? "blue" : "green";
        foreach (var proxy in proxies)
        {
            using var http = new FrontendClient(proxy.FrontendUrl);
            var reply = await http.GetAsync(Host, cancellationToken: cancellationToken);
            if (reply.Echo?.Colour != expected)
            {
                throw new InvalidOperationException($"after the socat loop {proxy.Address} answers from '{reply.Echo?.Colour}', not {expected}.");
            }
        }

        return durations.Count == samples
            ? (LatencyStats.Of(durations), LatencyStats.Of(skews))
            : throw new InvalidOperationException($"the socat loop printed {durations.Count} samples, not {samples}.");
    }

    private static string Render(List<Row> rows, int samples)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"The switch step of one service on N haproxy processes (each on its own 127.0.0.x), {samples} switches per N and method after {WarmUp} warm-up ones.")
            .AppendLine()
            .AppendLine("- **bluegreen-server**: a real `bluegreen-server` process (embedded mode, default intervals), N proxies registered, warm rollbacks")
            .AppendLine("  (both colours running: each rollback is a forced health check, the switch, an empty drain). Figures are the")
            .AppendLine("  deployment record's `SwitchDuration` (from the engine starting the parallel fan-out to the proxy grains, before any")
            .AppendLine("  proxy command is sent, to the last HAProxy's reply to `set map`) and `SwitchSkew` (last proxy's reply − first")
            .AppendLine("  proxy's reply): what the CLI prints as `fleet switch X ms (skew Y ms)`.")
            .AppendLine("- **recipe**: one bash loop, `echo \"set map … web.local <backend>\" | socat stdio tcp4-connect:…` per proxy, one after")
            .AppendLine("  the other, timed inside bash with `$EPOCHREALTIME`: duration = last reply − start of the loop, skew = last reply −")
            .AppendLine("  first reply. It writes no map file (a reload loses the route); bluegreen-server also persists every route (grain")
            .AppendLine("  state and map file, fsynced), in a second fan-out once every proxy has switched, which these figures do not include.")
            .AppendLine()
            .AppendLine("| N | bluegreen-server switch median / p90 ms | skew median / p90 ms | recipe switch median / p90 ms | recipe skew median / p90 ms | recipe ÷ bluegreen (median) |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.N} | {r.Switch.Median:0.00} / {r.Switch.P90:0.00} | {r.Skew.Median:0.00} / {r.Skew.P90:0.00} | {r.RecipeSwitch.Median:0.00} / {r.RecipeSwitch.P90:0.00} | {r.RecipeSkew.Median:0.00} / {r.RecipeSkew.P90:0.00} | {r.Ratio:0.0}× |");
        }

        text.AppendLine().AppendLine("Targets: bluegreen-server ≥ 20× faster than the recipe at N = 50, switch ≤ 5 ms median and skew ≤ 5 ms median at every N.").AppendLine();
        var missed = new List<string>();
        foreach (var r in rows)
        {
            if (r.Switch.Median > TargetSwitchMs)
            {
                missed.Add($"switch median {r.Switch.Median:0.00} ms > {TargetSwitchMs} ms at N = {r.N}");
            }

            if (r.Skew.Median > TargetSkewMs)
            {
                missed.Add($"skew median {r.Skew.Median:0.00} ms > {TargetSkewMs} ms at N = {r.N}");
            }

            if (r.N == 50 && r.Ratio < TargetRatioAt50)
            {
                missed.Add($"only {r.Ratio:0.0}× faster than the recipe at N = 50");
            }
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Machine load while measuring (1-minute load average from /proc/loadavg at the end): {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores; on a loaded machine every proxy reply waits for the silo's threads to be scheduled, which is the first reason to suspect for a miss.").AppendLine();
        text.AppendLine(missed.Count == 0
            ? "**All targets met.**"
            : $"**Targets missed**: {string.Join("; ", missed)}.");
        return text.ToString();
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];

    private sealed record Row(int N, LatencyStats Switch, LatencyStats Skew, LatencyStats RecipeSwitch, LatencyStats RecipeSkew)
    {
        public double Ratio => RecipeSwitch.Median / Switch.Median;
    }
}
