using System.Collections.Immutable;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// An agent's autonomy, timed: its HAProxy reloaded (SIGUSR2) or restarted while the server is down, with the map file
/// put back to the old colour before each (a configuration-management run restoring it), so only the agent's own
/// re-apply brings the live colour back. Measured from the new worker's first answer to its first answer with the
/// live route, by a poller on fresh Runtime API connections every millisecond.
/// </summary>
internal static class AgentReloadBenchmark
{
    private const string Host = "web.local";
    private const string Service = "web";
    private const string Live = "web_green";
    private const double TargetMs = 100;

    public static Command Command()
    {
        var samples = new Option<int>("--samples") { Description = "Reloads to time (at least 20); restarts are a third of that.", DefaultValueFactory = _ => 30 };
        var agent = FleetSwitchBenchmark.AgentOption();
        var command = new Command("agent-reload", "HAProxy reloaded or restarted beside an agent while the server is down: new worker answering → live route.") { samples, agent };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(samples), parse.GetValue(agent), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int samples, string? agent, CancellationToken cancellationToken)
    {
        if (samples < 20)
        {
            await Console.Error.WriteLineAsync("--samples must be at least 20.");
            return 2;
        }

        await using var blue = await EchoInstance.StartAsync("blue", "1", cancellationToken: cancellationToken);
        await using var green = await EchoInstance.StartAsync("green", "2", cancellationToken: cancellationToken);
        var backends = new ServiceBackends { Name = Service, Blue = [blue.AsServer("s1")], Green = [green.AsServer("s1")], Check = new HealthCheck() };
        await using var proxy = await HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = "web_blue" }, unixSocket: true, cancellationToken: cancellationToken);
        using var folder = new TempFolder("agentreload");
        var server = new ServerProcess(folder.File("server"), processCommands: []);
        List<AgentProcess> agents = [];
        try
        {
            await server.StartAsync();
            agents = await FleetSwitchBenchmark.StartAgentsAsync(server, [proxy], ["edge-0"], folder, agent, cancellationToken);
            await ReleaseGreenAsync(server, blue, green, cancellationToken);

            // The control plane goes away: from here on only the agent keeps HAProxy on green.
            await server.KillAsync();
            var reloads = new List<double>();
            var restarts = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                reloads.Add(await MeasureAsync(proxy, () => proxy.ReloadAsync(cancellationToken), cancellationToken));
            }

            for (var i = 0; i < samples / 3; i++)
            {
                restarts.Add(await MeasureAsync(proxy, () => proxy.RestartAsync(cancellationToken), cancellationToken));
            }

            var body = Render(LatencyStats.Of(reloads), LatencyStats.Of(restarts));
            Console.WriteLine(body);
            await BenchmarkReport.WriteSectionAsync("agent-reload", "Agent: HAProxy reloaded or restarted while the server is down", body, BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
            return 0;
        }
        finally
        {
            await Task.WhenAll(agents.Select(a => a.DisposeAsync().AsTask()));
            await server.DisposeAsync();
        }
    }

    private static async Task ReleaseGreenAsync(ServerProcess server, EchoInstance blue, EchoInstance green, CancellationToken cancellationToken)
    {
        var service = server.Client.GetGrain<IServiceGrain>(Service);
        var colour = new ColourSpec { Runtime = "external" };
        await service.ApplyAsync(new ServiceSpec
        {
            Name = Service,
            RouteKey = Host,
            Proxies = ["edge-0"],
            Blue = colour with { Instances = [new InstanceSlot("s1", blue.Address, blue.Port)] },
            Green = colour with { Instances = [new InstanceSlot("s1", green.Address, green.Port)] },
            HealthTimeout = TimeSpan.FromSeconds(30),
            DrainTimeout = TimeSpan.FromSeconds(5),
            LiveVersion = "1",
        });
        var release = await service.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await Eventually.UntilAsync(() => service.GetDeploymentAsync(release.Id), d => d?.IsFinished == true, TimeSpan.FromSeconds(60), "the release to green");
        var status = await Eventually.UntilAsync(
            () => server.Client.GetGrain<IProxyGrain>("edge-0").GetStatusAsync(), s => s.Agent?.HeldVersion == s.Agent?.DesiredVersion, TimeSpan.FromSeconds(10), "the agent on its desired version");
        if (done!.Outcome != DeploymentOutcome.Succeeded || status.Routes.GetValueOrDefault(Host) != Live)
        {
            throw new InvalidOperationException($"{done} did not put {Host} on {Live}: {done.Error}");
        }
    }

    /// <summary>
    /// Puts the map file back to blue, runs <paramref name="change"/> (a reload or a restart) and returns the ms from the
    /// first answer of a new worker to its first answer holding the live route.
    /// </summary>
    private static async Task<double> MeasureAsync(HaProxyInstance proxy, Func<Task> change, CancellationToken cancellationToken)
    {
        await MapFile.WriteAsync(proxy.MapFile, [new MapEntry(Host, "web_blue")], cancellationToken);
        int before;
        await using (var client = proxy.CreateClient())
        {
            before = (await client.ShowInfoAsync(cancellationToken)).Pid;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = Task.Run(() => PollAsync(proxy, before, stop.Token), stop.Token);
        await change();
        try
        {
            return await poll.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private static async Task<double> PollAsync(HaProxyInstance proxy, int before, CancellationToken cancellationToken)
    {
        long? answered = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await using var client = proxy.CreateClient(new HaProxyRuntimeOptions { CommandTimeout = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(1) });
                if ((await client.ShowInfoAsync(cancellationToken)).Pid != before)
                {
                    answered ??= Stopwatch.GetTimestamp();
                    if (await client.GetMapAsync(proxy.MapFile, Host, cancellationToken) == Live)
                    {
                        return Stopwatch.GetElapsedTime(answered.Value).TotalMilliseconds;
                    }
                }
            }
            catch (Exception e) when (e is HaProxyConnectionException or HaProxyTimeoutException or HaProxyCommandException or IOException)
            {
                // Between the old worker and the new one nothing may answer: poll on.
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    private static string Render(LatencyStats reloads, LatencyStats restarts)
    {
        var text = new StringBuilder()
            .AppendLine("One haproxy (unix Runtime API only) with a `bluegreen-agent` beside it (default 1 s tick, holding the master CLI: it asks `show info` only once the master closed that connection), after a release to")
            .AppendLine("green through the agent; then the server is killed and, for each sample, the map file is put back to blue and HAProxy")
            .AppendLine("reloaded (SIGUSR2 to the master) or restarted (killed, started again from its config): the new worker loads blue, and")
            .AppendLine("only the agent's own re-apply, with no round trip to anyone, brings green back. Timed by a poller opening a fresh")
            .AppendLine("Runtime API connection every millisecond: from the new worker's first answer to its first answer with `web.local` →")
            .AppendLine("`web_green`. (With the map file the agent wrote, the new worker loads green itself: 0 ms.)")
            .AppendLine()
            .AppendLine("| change | samples | median ms | p90 ms | max ms |")
            .AppendLine("|---|---:|---:|---:|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| reload | {reloads.Count} | {reloads.Median:0.0} | {reloads.P90:0.0} | {reloads.Max:0.0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| restart | {restarts.Count} | {restarts.Median:0.0} | {restarts.P90:0.0} | {restarts.Max:0.0} |")
            .AppendLine();
        var missed = new[] { ("reload", reloads), ("restart", restarts) }.Where(r => r.Item2.P90 > TargetMs).Select(r => $"{r.Item1} p90 {r.Item2.P90:0.0} ms > {TargetMs} ms").ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"Target: the live colour within {TargetMs} ms of the new worker answering (p90). ")
            .AppendLine(missed.Count == 0 ? "**Target met.**" : $"**Target missed**: {string.Join("; ", missed)}.");
        return text.ToString();
    }
}
