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
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// The switch step on a fleet of N real haproxy processes (each on its own 127.0.0.x, Runtime API on a unix socket):
/// this project in direct mode and through a bluegreen-agent beside each haproxy (a real bluegreen-server, warm
/// rollbacks, the duration and skew the deployment record holds) against the recipe's way (one
/// <c>echo "set map …" | socat</c> per proxy, one after the other, timed inside bash), all on the same proxies in the
/// same run. The agents' idle RSS and CPU are read from /proc before they stop.
/// </summary>
internal static class FleetSwitchBenchmark
{
    /// <summary>Issue 16's targets for one service's switch on 50 proxies, direct.</summary>
    private const double Issue16SwitchMs = 2;

    private const double Issue16SkewMs = 2;

    private const string Host = "web.local";
    private const string Service = "web";
    // Enough for the server's tiered JIT to have optimized the switch path: with 3, a perf profile of the measured
    // switches still showed QuickJitted Orleans and engine frames and the JIT thread busy beside them.
    private const int WarmUp = 10;

    // How often the bench asks whether a deployment finished. The ask runs in the server under test (a deployment
    // record of N proxies serialized each time): every 20 ms, with GetAsync too, it was about 15 % of the server's CPU
    // in a profile of the agents' run, beside the switches it measures.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    // What the switch must beat (docs/benchmarks.md states them): ≥ 20× the recipe at N = 50, medians ≤ 5 ms; through
    // agents ≤ 2× direct and ≥ 50× the recipe at N = 50, an idle agent ≤ 60 MB.
    private const double TargetRatioAt50 = 20;
    private const double TargetAgentRatioAt50 = 50;
    private const double TargetAgentOverDirect = 2;
    private const double TargetAgentRssMb = 60;
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(10);
    private const double TargetSwitchMs = 5;
    private const double TargetSkewMs = 5;

    public static Command Command()
    {
        var proxies = new Option<int[]>("--proxies") { Description = "Fleet sizes to measure.", DefaultValueFactory = _ => [1, 10, 50], AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int>("--samples") { Description = "Switches per fleet size and method (at least 30).", DefaultValueFactory = _ => 30 };
        var agent = AgentOption();
        var command = new Command("fleet-switch", "The switch step on N haproxy processes: bluegreen-server direct and through agents vs a sequential echo | socat per proxy.") { proxies, samples, agent };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(proxies)!, parse.GetValue(samples), parse.GetValue(agent), cancellationToken));
        return command;
    }

    /// <summary>Which agent the benches run: the published one (bench/run.sh publishes it native), or the dll beside the bench.</summary>
    internal static Option<string?> AgentOption() => new("--agent") { Description = "A published bluegreen-agent executable (default: the dll beside the bench, run by dotnet)." };

    private static async Task<int> RunAsync(int[] sizes, int samples, string? agent, CancellationToken cancellationToken)
    {
        if (agent is not null && !File.Exists(agent))
        {
            await Console.Error.WriteLineAsync($"--agent {agent}: no such file.");
            return 2;
        }

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
                rows.Add(await MeasureFleetAsync(n, samples, blue, green, agent, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"fleet-switch failed at N = {n}: {e}");
                return 1;
            }
        }

        var body = Render(rows, samples, agent);
        Console.WriteLine(body);
        await BenchmarkReport.WriteSectionAsync("fleet-switch", "Fleet switch: N haproxy processes", body, BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
        return 0;
    }

    private static async Task<Row> MeasureFleetAsync(int n, int samples, EchoInstance blue, EchoInstance green, string? agentBinary, CancellationToken cancellationToken)
    {
        var proxies = new List<HaProxyInstance>();
        using var folder = new TempFolder("fleetbench");
        try
        {
            await StartFleetAsync(proxies, n, blue, green, cancellationToken);
            Console.WriteLine($"N = {n}: {n} haproxy processes on {string.Join(", ", proxies.Take(3).Select(p => p.Address))}{(n > 3 ? ", …" : string.Empty)}");

            // The recipe first, while no orchestrator watches the proxies (its monitor would put its routes back).
            var recipe = await MeasureRecipeAsync(proxies, samples, cancellationToken);
            Console.WriteLine($"  recipe: median {recipe.Duration.Median:0.00} ms, skew median {recipe.Skew.Median:0.00} ms");

            var project = await MeasureProjectAsync(proxies, samples, folder, blue, green, agents: false, agentBinary, cancellationToken);
            Console.WriteLine($"  bluegreen-server direct: median {project.Duration.Median:0.00} ms, skew median {project.Skew.Median:0.00} ms, saved median {project.Saved.Median:0.00} ms");
            var agent = await MeasureProjectAsync(proxies, samples, folder, blue, green, agents: true, agentBinary, cancellationToken);
            Console.WriteLine($"  bluegreen-server through agents: median {agent.Duration.Median:0.00} ms, skew median {agent.Skew.Median:0.00} ms, saved median {agent.Saved.Median:0.00} ms; agent idle RSS median {agent.Idle!.RssMedianMb:0.0} MB");
            return new Row(n, project.Duration, project.Skew, agent.Duration, agent.Skew, agent.Idle!, recipe.Duration, recipe.Skew)
            {
                Saved = project.Saved,
                AgentSaved = agent.Saved,
                Pushes = agent.Pushes,
                DirectCpu = project.Cpu,
                AgentCpu = agent.Cpu,
            };
        }
        finally
        {
            await Task.WhenAll(proxies.Select(p => p.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// Starts <paramref name="n"/> haproxy processes into <paramref name="proxies"/> (so that the caller stops every one
    /// started, also when a later one fails), each on its own 127.0.0.x with a unix Runtime API socket only: an agent
    /// reaches its HAProxy no other way, and direct mode and the recipe use the same sockets, so the methods differ in
    /// nothing but themselves. The service has the product's default checks: what a user gets without tuning.
    /// </summary>
    internal static async Task StartFleetAsync(List<HaProxyInstance> proxies, int n, EchoInstance blue, EchoInstance green, CancellationToken cancellationToken)
    {
        var backends = new ServiceBackends { Name = Service, Blue = [blue.AsServer("s1")], Green = [green.AsServer("s1")], Check = new HealthCheck() };
        var addresses = Enumerable.Range(0, n).Select(_ => Loopback.NextAddress()).ToList();
        if (addresses.Distinct().Count() != n)
        {
            throw new InvalidOperationException($"could not give {n} proxies distinct 127.0.0.x addresses.");
        }

        foreach (var chunk in addresses.Chunk(10))
        {
            await HaProxyInstance.AddStartedAsync(
                [.. chunk.Select(a => HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = "web_blue" }, unixSocket: true, address: a, cancellationToken: cancellationToken))],
                proxies);
        }
    }

    /// <summary>
    /// Warm rollbacks on a real server: both colours run (external runtime: the bench started them), so each rollback is
    /// a forced health check, the switch and an empty drain. The switch duration and skew are the deployment record's.
    /// </summary>
    internal static async Task<ProjectRun> MeasureProjectAsync(
        List<HaProxyInstance> proxies, int samples, TempFolder folder, EchoInstance blue, EchoInstance green, bool agents, string? agentBinary, CancellationToken cancellationToken)
    {
        // The product's default intervals, not the harness's faster test ones (later arguments win).
        var mode = agents ? "agents" : "direct";
        await using var server = new ServerProcess(folder.File($"server-{mode}"), extraArguments: ["--BlueGreen:ProxyMonitorInterval", "00:00:01", "--BlueGreen:DeploymentPollInterval", "00:00:00.100"], processCommands: []);
        var running = new List<AgentProcess>();
        await server.StartAsync();
        try
        {
            var client = server.Client;
            var ids = proxies.Select((_, i) => $"edge-{i}").ToImmutableList();
            if (agents)
            {
                running.AddRange(await StartAgentsAsync(server, proxies, ids, folder, agentBinary, cancellationToken));
            }
            else
            {
                await Task.WhenAll(proxies.Select((p, i) => client.GetGrain<IProxyGrain>(ids[i]).RegisterAsync(new ProxyRegistration { RuntimeApi = p.RuntimeApi.ToString(), MapFile = p.MapFile })));
            }

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
            var saved = new List<double>();
            var serverPid = server.Pid ?? throw new InvalidOperationException("the server exited.");
            var (measuredFrom, serverCpuFrom, agentsCpuFrom) = (0L, 0.0, 0.0);
            for (var i = 0; i < WarmUp + samples; i++)
            {
                if (i == WarmUp)
                {
                    (measuredFrom, serverCpuFrom, agentsCpuFrom) = (Stopwatch.GetTimestamp(), ProcStatus.CpuSeconds(serverPid), running.Sum(a => ProcStatus.CpuSeconds(a.Pid)));
                }

                var done = await RunDeploymentAsync(service, () => service.RollbackAsync(DeploymentOptions.Default), cancellationToken);
                if (i >= WarmUp)
                {
                    durations.Add(done.SwitchDuration!.Value.TotalMilliseconds);
                    skews.Add(done.SwitchSkew!.Value.TotalMilliseconds);
                    saved.Add(done.SwitchSavedDuration!.Value.TotalMilliseconds);
                }
            }

            var measured = Stopwatch.GetElapsedTime(measuredFrom);
            var serverCpu = ProcStatus.CpuSeconds(serverPid) - serverCpuFrom;
            var agentsCpu = running.Sum(a => ProcStatus.CpuSeconds(a.Pid)) - agentsCpuFrom;

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
            var pushes = agents ? await ScrapePushesAsync(server, cancellationToken) : null;
            var idle = agents ? await MeasureIdleAsync(running, cancellationToken) : null;
            var cpu = new RollbackCpu(
                serverCpu * 1000 / samples,
                agents ? agentsCpu * 1000 / samples : null,
                // What the agents would have used at rest over the same time: their idle rate, measured just after.
                agents ? idle!.CpuMeanPercent / 100 * running.Count * measured.TotalSeconds * 1000 / samples : null);
            return new ProjectRun(LatencyStats.Of(durations), LatencyStats.Of(skews), LatencyStats.Of(saved), idle, pushes, cpu);
        }
        catch when (server.Output.Length > 0)
        {
            await Console.Error.WriteLineAsync(Tail(server.Output, 4000));
            throw;
        }
        finally
        {
            await Task.WhenAll(running.Select(a => a.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// Registers every proxy in agent mode through the gateway (which issues the credentials; the fault stage's helpers)
    /// and starts a real agent beside each haproxy with the agent's default tick; returns once every proxy grain hears its agent.
    /// </summary>
    internal static async Task<List<AgentProcess>> StartAgentsAsync(ServerProcess server, List<HaProxyInstance> proxies, ImmutableList<string> ids, TempFolder folder, string? agentBinary, CancellationToken cancellationToken)
    {
        var started = new List<AgentProcess>();
        for (var i = 0; i < proxies.Count; i++)
        {
            var host = folder.File($"host-{ids[i]}");
            await FaultStage.IssueCredentialAsync(server.GrpcPort, ids[i], host, cancellationToken);
            started.Add(AgentProcess.Start(FaultStage.AgentArguments(ids[i], $"http://127.0.0.1:{server.GrpcPort}", host, proxies[i]), agentBinary));
        }

        await Eventually.UntilAsync(
            () => Task.WhenAll(ids.Select(id => server.Client.GetGrain<IProxyGrain>(id).GetStatusAsync())),
            all => all.All(s => s.Agent is { Connected: true } && s.Reachable),
            TimeSpan.FromSeconds(120),
            $"{ids.Count} agents connected with a fresh snapshot");
        return started;
    }

    /// <summary>Each agent's resident memory and CPU over <see cref="IdleWindow"/> at rest (no deployment running), from /proc.</summary>
    private static async Task<AgentIdle> MeasureIdleAsync(List<AgentProcess> agents, CancellationToken cancellationToken)
    {
        var before = agents.Select(a => ProcStatus.CpuSeconds(a.Pid)).ToList();
        await Task.Delay(IdleWindow, cancellationToken);
        var cpu = agents.Select((a, i) => (ProcStatus.CpuSeconds(a.Pid) - before[i]) / IdleWindow.TotalSeconds * 100).ToList();
        var rss = agents.Select(a => MiB(a.Pid, "VmRSS")).ToList();
        double Median(string field) => LatencyStats.Of(agents.Select(a => MiB(a.Pid, field)).ToList()).Median;
        return new AgentIdle(LatencyStats.Of(rss).Median, rss.Max(), Median("RssAnon"), Median("RssFile"), Median("RssShmem"), cpu.Average(), cpu.Max());
    }

    private static double MiB(int pid, string field) => ProcStatus.MiB(pid, field) ?? throw new InvalidOperationException($"agent {pid} is gone.");

    private static async Task<DeploymentRecord> RunDeploymentAsync(IServiceGrain service, Func<Task<DeploymentRecord>> start, CancellationToken cancellationToken)
    {
        var started = await start();
        var deadline = Stopwatch.GetTimestamp();
        while (true)
        {
            // Finished and handed over: the service takes the next command only once it has no active deployment.
            var d = await service.GetDeploymentAsync(started.Id) ?? throw new InvalidOperationException($"deployment {started.Id} vanished.");
            if (d.IsFinished && (await service.GetAsync())?.ActiveDeployment is null)
            {
                return d.Outcome == DeploymentOutcome.Succeeded && d.SwitchDuration is not null && d.SwitchSkew is not null
                    ? d
                    : throw new InvalidOperationException($"{d} did not succeed: {d.Error}");
            }

            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{d} not finished within 60 s.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// The recipe's <c>forwardTo</c> for a fleet: one bash loop sending <c>echo "set map …" | socat</c> to each proxy in
    /// turn. <c>$EPOCHREALTIME</c> is read before the first proxy and after each reply: duration = last reply − start,
    /// skew = last reply − first reply.
    /// </summary>
    internal static async Task<(LatencyStats Duration, LatencyStats Skew)> MeasureRecipeAsync(List<HaProxyInstance> proxies, int samples, CancellationToken cancellationToken)
    {
        // Quoted: '|' separates socket and map inside each element (temporary paths hold no quote).
        var targets = string.Join(' ', proxies.Select(p => $"'{p.RuntimeApi.SocketPath}|{p.MapFile}'"));
        var script = $$"""
            set -e
            targets=({{targets}})
            for ((i = 0; i < {{WarmUp + samples}}; i++)); do
              if (( i % 2 )); then b=web_blue; else b=web_green; fi
              line=$EPOCHREALTIME
              for t in "${targets[@]}"; do
                IFS='|' read -r sock map <<< "$t"
                r=$(echo "set map $map {{Host}} $b" | socat stdio unix-connect:$sock)
                [ -z "$r" ] || { echo "set map on $sock failed: $r" >&2; exit 1; }
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

    /// <summary>
    /// The server's own histograms of every push its proxy grains sent down an agent stream (this run's): the round trip
    /// the grain saw, and the part of it each agent reports as its own (taking the version to its first ack).
    /// </summary>
    private static async Task<AgentPushes> ScrapePushesAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        var metrics = await server.ScrapeMetricsAsync(cancellationToken);
        double Value(string name) => metrics.Value(name) ?? 0;
        var count = Value("bluegreen_agent_push_duration_milliseconds_count");
        return count == 0
            ? throw new InvalidOperationException("the server's /metrics has no agent push.")
            : new AgentPushes((long)count, Value("bluegreen_agent_push_duration_milliseconds_sum") / count, Value("bluegreen_agent_apply_duration_milliseconds_sum") / count);
    }

    private static string Render(List<Row> rows, int samples, string? agent)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"The switch step of one service on N haproxy processes (each on its own 127.0.0.x, Runtime API on a unix socket), {samples} switches per N and method after {WarmUp} warm-up ones, the three methods on the same proxies in one run.")
            .AppendLine()
            .AppendLine("- **direct**: a real `bluegreen-server` process (embedded mode, default intervals), N proxies registered with their unix")
            .AppendLine("  Runtime API, warm rollbacks (both colours running: each rollback is a forced health check, the switch, an empty drain).")
            .AppendLine("  Figures are the deployment record's `SwitchDuration` (from the engine starting the parallel fan-out to the proxy")
            .AppendLine("  grains, before any proxy command is sent, to the last proxy grain's answer after HAProxy's reply to `set map`) and")
            .AppendLine("  `SwitchSkew` (last proxy's reply − first proxy's reply): what the CLI prints as `fleet switch X ms (skew Y ms)`; and")
            .AppendLine("  `SwitchSavedDuration` (from the same start to every proxy holding the route durably: grain state and map file,")
            .AppendLine("  fsynced; the deployment goes on only then), the **saved** columns. The bench asks the service grain whether a")
            .AppendLine(CultureInfo.InvariantCulture, $"  deployment finished every {PollInterval.TotalMilliseconds:0} ms (each ask runs in the server under test).")
            .AppendLine("- **agents**: the same, with every proxy registered in agent mode and a real `bluegreen-agent` beside each haproxy")
            .AppendLine((agent is null ? "  (run as a dll by `dotnet`: JIT)" : "  (published native, as `bench/run.sh` and the README publish it)")
                + " (default 1 s tick, holding the master CLI: between ticks it asks HAProxy nothing) dialing the gateway;")
            .AppendLine("  The switch of one proxy is a versioned push down the agent's stream, the agent's `set map` and its first")
            .AppendLine("  acknowledgement back (runtime applied); the agent then writes its state file and the map file (fsynced, on a")
            .AppendLine("  thread at the lowest CPU priority, nice 19: on this one machine the agents that acknowledged first no longer take")
            .AppendLine("  the cores from those still switching) and acknowledges again, which the **saved** figure waits for, as direct")
            .AppendLine("  mode's waits for its grain state and map file.")
            .AppendLine("- **recipe**: one bash loop, `echo \"set map … web.local <backend>\" | socat stdio unix-connect:…` per proxy, one after")
            .AppendLine("  the other, timed inside bash with `$EPOCHREALTIME`: duration = last reply − start of the loop, skew = last reply −")
            .AppendLine("  first reply. It writes no map file (a reload loses the route).")
            .AppendLine()
            .AppendLine("| N | direct switch median / p90 ms | direct skew median / p90 ms | direct saved median / p90 ms | agents switch median / p90 ms | agents skew median / p90 ms | agents saved median / p90 ms | recipe switch median / p90 ms | agents ÷ direct (switch / saved) | recipe ÷ direct | recipe ÷ agents |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.N} | {r.Switch.Median:0.00} / {r.Switch.P90:0.00} | {r.Skew.Median:0.00} / {r.Skew.P90:0.00} | {r.Saved!.Median:0.00} / {r.Saved.P90:0.00} | {r.AgentSwitch.Median:0.00} / {r.AgentSwitch.P90:0.00} | {r.AgentSkew.Median:0.00} / {r.AgentSkew.P90:0.00} | {r.AgentSaved!.Median:0.00} / {r.AgentSaved.P90:0.00} | {r.RecipeSwitch.Median:0.00} / {r.RecipeSwitch.P90:0.00} | {r.AgentOverDirect:0.00}× / {r.AgentSaved.Median / r.Saved.Median:0.00}× | {r.Ratio:0.0}× | {r.AgentRatio:0.0}× |");
        }

        text.AppendLine()
            .AppendLine("Where a push through an agent spends its time, from the server's own histograms over every push of the agents' run (`bluegreen_agent_push_duration_milliseconds`: the proxy grain sending a version to the agent's first ack; `bluegreen_agent_apply_duration_milliseconds`: of that, the agent's own time from taking the version to sending the ack, as it reports it; the rest is the observer call to the gateway, the stream both ways with TLS and HTTP/2, and each side waiting for a core):")
            .AppendLine()
            .AppendLine("| N | pushes | round trip mean ms | of which the agent's own mean ms | stream, gateway and queueing mean ms |")
            .AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var r in rows.Where(r => r.Pushes is not null))
        {
            var p = r.Pushes!;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.N} | {p.Count} | {p.RoundTripMeanMs:0.00} | {p.AgentMeanMs:0.00} | {p.RoundTripMeanMs - p.AgentMeanMs:0.00} |");
        }

        text.AppendLine()
            .AppendLine("CPU per measured rollback (a forced health check, the switch, an empty drain and the saves), from `/proc/<pid>/stat` utime + stime before the first and after the last measured rollback; the agents' work for a rollback is their CPU over those rollbacks less what their rest rate (the next table) accounts for over the same time:")
            .AppendLine()
            .AppendLine("| N | server ms, direct | server ms, agents | N agents ms, all | of which their rest ms | agents' work ms (per agent) |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows.Where(r => r.DirectCpu is not null && r.AgentCpu is { AgentsMs: not null }))
        {
            var (direct, agents) = (r.DirectCpu!, r.AgentCpu!);
            var work = agents.AgentsWorkMs!.Value;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.N} | {direct.ServerMs:0.0} | {agents.ServerMs:0.0} | {agents.AgentsMs:0.0} | {agents.AgentsAtRestMs:0.0} | {work:0.0} ({work / r.N:0.00}) |");
        }

        text.AppendLine()
            .AppendLine("Agents at rest (no deployment running, after the last rollback), over 10 s, read from `/proc/<pid>/status` VmRSS and `/proc/<pid>/stat` utime + stime:")
            .AppendLine()
            .AppendLine("| N | RSS median / max MB | of which private (RssAnon) / file-backed (RssFile) / shared memory (RssShmem), medians MB | CPU mean / max % of one core |")
            .AppendLine("|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.N} | {r.Idle.RssMedianMb:0.0} / {r.Idle.RssMaxMb:0.0} | {r.Idle.AnonMb:0.0} / {r.Idle.FileMb:0.0} / {r.Idle.ShmemMb:0.0} | {r.Idle.CpuMeanPercent:0.00} / {r.Idle.CpuMaxPercent:0.00} |");
        }

        text.AppendLine()
            .AppendLine("RssFile is the .NET runtime's and the framework's files mapped read-only from disk (shared with every other .NET process")
            .AppendLine("on the host, and with the other agents here); RssShmem is the JIT's double mapping for W^X (code pages never writable")
            .AppendLine("and executable at once), a hardening the agent keeps (`DOTNET_EnableWriteXorExecute=0` would drop it).");

        text.AppendLine()
            .AppendLine($"Targets: direct ≥ {TargetRatioAt50}× faster than the recipe at N = 50, switch ≤ {TargetSwitchMs} ms median and skew ≤ {TargetSkewMs} ms median at every N; through agents ≤ {TargetAgentOverDirect}× direct and ≥ {TargetAgentRatioAt50}× faster than the recipe at N = 50; an idle agent ≤ {TargetAgentRssMb} MB RSS.")
            .AppendLine();
        if (rows.FirstOrDefault(r => r.N == 50) is { } at50)
        {
            // Issue 16 (scale) asks more of one service's switch on 50 proxies.
            var met = at50.Switch.Median <= Issue16SwitchMs && at50.Skew.Median <= Issue16SkewMs;
            text.AppendLine(CultureInfo.InvariantCulture, $"Issue 16's targets at N = 50, direct: switch ≤ {Issue16SwitchMs} ms median and skew ≤ {Issue16SkewMs} ms median; measured {at50.Switch.Median:0.00} / {at50.Skew.Median:0.00} ms, **{(met ? "met" : "missed")}**{(met ? string.Empty : $" ({at50.Switch.Median / Issue16SwitchMs:0.0}× and {at50.Skew.Median / Issue16SkewMs:0.0}× the targets; where a direct switch's time goes: `docs/scale.md`, \"fleet-switch direct, N = 50\")")}.")
                .AppendLine();
        }

        var missed = new List<string>();
        foreach (var r in rows)
        {
            if (r.Switch.Median > TargetSwitchMs)
            {
                missed.Add($"direct switch median {r.Switch.Median:0.00} ms > {TargetSwitchMs} ms at N = {r.N}");
            }

            if (r.Skew.Median > TargetSkewMs)
            {
                missed.Add($"direct skew median {r.Skew.Median:0.00} ms > {TargetSkewMs} ms at N = {r.N}");
            }

            if (r.Idle.RssMaxMb > TargetAgentRssMb)
            {
                missed.Add($"an idle agent at {r.Idle.RssMaxMb:0.0} MB RSS > {TargetAgentRssMb} MB at N = {r.N}");
            }

            if (r.N == 50 && r.Ratio < TargetRatioAt50)
            {
                missed.Add($"direct only {r.Ratio:0.0}× faster than the recipe at N = 50");
            }

            if (r.N == 50 && r.AgentOverDirect > TargetAgentOverDirect)
            {
                missed.Add($"agents {r.AgentOverDirect:0.00}× direct at N = 50");
            }

            if (r.N == 50 && r.AgentRatio < TargetAgentRatioAt50)
            {
                missed.Add($"agents only {r.AgentRatio:0.0}× faster than the recipe at N = 50");
            }
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Machine load while measuring (1-minute load average from /proc/loadavg at the end): {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores; on a loaded machine every proxy reply waits for the silo's threads to be scheduled, which is the first reason to suspect for a miss.").AppendLine();
        text.AppendLine(missed.Count == 0
            ? "**All targets met.**"
            : $"**Targets missed**: {string.Join("; ", missed)}.");
        text.AppendLine();
        if (rows.LastOrDefault() is { AgentCpu: { AgentsMs: { } agentsMs } agentCpu, Pushes: { } pushes } last)
        {
            // Plain arithmetic from the tables above: how much CPU a rollback through agents takes of a 2-core machine.
            text.AppendLine(CultureInfo.InvariantCulture, $"Where the agents' time goes at N = {last.N}, from the tables above: one rollback cost the {last.N} agents {agentsMs:0} ms of CPU ({agentCpu.AgentsWorkMs:0} ms of it their work for the rollback, the rest their ticks meanwhile) and the server {agentCpu.ServerMs:0} ms, {(agentsMs + agentCpu.ServerMs) / Environment.ProcessorCount:0} ms of each of the {Environment.ProcessorCount} cores; of a push's {pushes.RoundTripMeanMs:0.0} ms round trip, the agent's own part was {pushes.AgentMeanMs:0.0} ms. A switch through agents wakes {last.N} agent processes and the server's side of {last.N} streams on the same {Environment.ProcessorCount} cores, where a direct switch wakes {last.N} haproxy workers; on separate proxy hosts each agent has its own CPU.").AppendLine();
        }

        text.AppendLine("Where the time goes, from perf profiles of this bench (both modes) and of the scale bench: `docs/scale.md`, section \"Where the time goes\".");
        return text.ToString();
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];

    private sealed record Row(int N, LatencyStats Switch, LatencyStats Skew, LatencyStats AgentSwitch, LatencyStats AgentSkew, AgentIdle Idle, LatencyStats RecipeSwitch, LatencyStats RecipeSkew)
    {
        public double Ratio => RecipeSwitch.Median / Switch.Median;

        public double AgentRatio => RecipeSwitch.Median / AgentSwitch.Median;

        public double AgentOverDirect => AgentSwitch.Median / Switch.Median;

        public LatencyStats? Saved { get; init; }

        public LatencyStats? AgentSaved { get; init; }

        public AgentPushes? Pushes { get; init; }

        public RollbackCpu? DirectCpu { get; init; }

        public RollbackCpu? AgentCpu { get; init; }
    }

    /// <summary>One method's measured rollbacks on one fleet: the record's figures, and for agents their rest and the server's push histograms.</summary>
    internal sealed record ProjectRun(LatencyStats Duration, LatencyStats Skew, LatencyStats Saved, AgentIdle? Idle, AgentPushes? Pushes, RollbackCpu Cpu);

    /// <summary>CPU per measured rollback, ms: the server's, and the agents' (all of them) with what their rest rate accounts for.</summary>
    internal sealed record RollbackCpu(double ServerMs, double? AgentsMs, double? AgentsAtRestMs)
    {
        /// <summary>The agents' CPU for the rollback itself: all of theirs less what their rest rate accounts for.</summary>
        public double? AgentsWorkMs => AgentsMs - AgentsAtRestMs;
    }

    internal sealed record AgentPushes(long Count, double RoundTripMeanMs, double AgentMeanMs);

    internal sealed record AgentIdle(double RssMedianMb, double RssMaxMb, double AnonMb, double FileMb, double ShmemMb, double CpuMeanPercent, double CpuMaxPercent);
}
