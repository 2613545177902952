using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// The floor under <c>fleet-switch</c>'s agent path on this machine: what a switch through N agents costs when the agent
/// does nothing but its one job and the server nothing but its stream. The bench hosts the agents' gRPC service itself
/// (Kestrel, HTTP/2 in cleartext on loopback or over TLS, the same <c>Agents.Connect</c> contract; no Orleans) and starts
/// N <c>bluegreen-stream-peer</c> processes, published native like the agent, each beside one haproxy of a fresh fleet.
/// Three ways to move the fleet, in the order D S T T S D (half the samples each time, so a drift of the machine falls on
/// all three alike), then with <c>--agent</c> a fourth, and last the recipe's socat loop:
/// <list type="bullet">
/// <item><b>D</b>, direct floor: the bench's own <c>set map</c> to the N Runtime API sockets at once, one persistent
/// connection each (what a direct switch does, without grains).</item>
/// <item><b>S</b>, stream floor: one routes message down each of the N streams at once; each peer sends its
/// <c>set map</c> and a runtime ack; the time to the last ack read.</item>
/// <item><b>T</b>, transport only: the same with no route in the message, so no peer touches HAProxy.</item>
/// <item><b>A</b>, real agents: the peers stop, N <c>bluegreen-agent</c> processes stream to the same gateway, and the
/// same message as S moves them; each round waits for every final ack. What A adds to S is the agent's own work.</item>
/// </list>
/// </summary>
internal static class StreamFloorBenchmark
{
    private const string Host = "web.local";
    private const int WarmUp = 10;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);

    public static Command Command()
    {
        var peer = new Option<string>("--peer") { Required = true, Description = "A published bluegreen-stream-peer (dotnet publish bench/BlueGreen.Orleans.Bench.StreamPeer -c Release -r linux-x64 -o DIR)." };
        var proxies = new Option<int[]>("--proxies") { Description = "Fleet sizes to measure (1-200).", DefaultValueFactory = _ => [1, 10, 50], AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int>("--samples") { Description = "Measured rounds per fleet size and way (at least 30, even).", DefaultValueFactory = _ => 30 };
        var tls = new Option<bool>("--tls") { Description = "Streams over TLS, as agents on other hosts must dial; without it, HTTP/2 in cleartext on loopback, as fleet-switch's agents dial." };
        var agent = FleetSwitchBenchmark.AgentOption();
        agent.Description = "Also a published bluegreen-agent beside each haproxy, streaming to the same minimal gateway (way A).";
        var command = new Command("stream-floor", "The floor under the agent path: N minimal stream peers (HTTP/2, one set map, one ack) vs the bench's own set map to N sockets.") { peer, proxies, samples, tls, agent };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(peer)!, parse.GetValue(proxies)!, parse.GetValue(samples), parse.GetValue(tls), parse.GetValue(agent), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string peer, int[] sizes, int samples, bool tls, string? agent, CancellationToken cancellationToken)
    {
        if (new[] { peer, agent }.OfType<string>().FirstOrDefault(path => !File.Exists(path)) is { } missing)
        {
            await Console.Error.WriteLineAsync($"{missing}: no such file.");
            return 2;
        }

        if (samples < 30 || samples % 2 != 0 || sizes.Length == 0 || sizes.Any(n => n is < 1 or > 200))
        {
            await Console.Error.WriteLineAsync("--samples must be an even number of at least 30 and every --proxies value 1..200.");
            return 2;
        }

        var rows = new List<Row>();
        await using var blue = await EchoInstance.StartAsync("blue", "1", cancellationToken: cancellationToken);
        await using var green = await EchoInstance.StartAsync("green", "2", cancellationToken: cancellationToken);
        using var folder = new TempFolder("floor");
        using var authority = TestCertificateAuthority.Create("stream-floor");
        var caFile = authority.WriteCaPem(folder.File("ca.pem"));
        await using var gateway = await StreamFloorGateway.StartAsync(tls ? authority.Issue("stream-floor-gateway") : null, cancellationToken);
        var run = new Setup(peer, agent, caFile, gateway, blue, green);
        foreach (var n in sizes)
        {
            try
            {
                rows.Add(await MeasureAsync(n, samples, run, cancellationToken));
                Console.WriteLine(Line(rows[^1]));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"stream-floor failed at N = {n}: {e}");
                return 1;
            }
        }

        var body = Render(rows, samples, run);
        Console.WriteLine(body);
        await BenchmarkReport.WriteSectionAsync("stream-floor", "Stream floor: the least an agent path costs on this machine", body, BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
        return 0;
    }

    private static async Task<Row> MeasureAsync(int n, int samples, Setup run, CancellationToken cancellationToken)
    {
        var fleet = new List<HaProxyInstance>();
        var peers = new List<AgentProcess>();
        var agents = new List<AgentProcess>();
        var clients = new List<HaProxyRuntimeClient>();
        using var hosts = new TempFolder("floor-hosts");
        try
        {
            await FleetSwitchBenchmark.StartFleetAsync(fleet, n, run.Blue, run.Green, cancellationToken);
            clients.AddRange(fleet.Select(p => p.CreateClient()));
            var ids = Enumerable.Range(1, n).Select(i => $"peer-{i}").ToList();
            run.Gateway.Expect(ids);
            foreach (var (proxy, id) in fleet.Zip(ids))
            {
                peers.Add(AgentProcess.Start([run.Gateway.Url, run.CaFile, id, proxy.RuntimeApi.SocketPath!, proxy.MapFile], run.Peer));
            }

            await run.Gateway.AllConnectedAsync(TimeSpan.FromSeconds(60), () => peers.FirstOrDefault(p => p.HasExited)?.Output, cancellationToken);

            var ways = new Dictionary<char, Way> { ['D'] = new(), ['S'] = new(), ['T'] = new(), ['A'] = new() };
            var round = 0;
            foreach (var letter in "DSTTSDAA")
            {
                if (letter == 'A' && run.Agent is null)
                {
                    break;
                }

                if (letter == 'A' && agents.Count == 0)
                {
                    // The peers go (each proxy has one writer of its map), the agents come, on the same fleet and gateway.
                    await Task.WhenAll(peers.Select(p => p.DisposeAsync().AsTask()));
                    peers.Clear();
                    agents.AddRange(await StartAgentsAsync(run, fleet, hosts, cancellationToken));
                }

                var way = ways[letter];
                var warmUp = way.Rounds == 0 ? WarmUp : 0;
                var pids = (letter == 'A' ? agents : peers).Select(p => p.Pid).ToList();
                var peersBefore = pids.Sum(ProcStatus.CpuSeconds);
                var benchBefore = ProcStatus.CpuSeconds(Environment.ProcessId);
                for (var i = 0; i < warmUp + samples / 2; i++)
                {
                    var backend = round++ % 2 == 0 ? "web_green" : "web_blue";
                    var (duration, skew) = letter switch
                    {
                        'D' => await DirectAsync(clients, fleet, backend, cancellationToken),
                        'S' or 'A' => await run.Gateway.PushAsync(new Dictionary<string, string> { [Host] = backend }, settle: letter == 'A', cancellationToken),
                        _ => await run.Gateway.PushAsync(new Dictionary<string, string>(), settle: false, cancellationToken),
                    };
                    if (i >= warmUp)
                    {
                        way.Durations.Add(duration);
                        way.Skews.Add(skew);
                    }

                    if (letter != 'T')
                    {
                        way.LastBackend = backend;
                    }

                    await Task.Delay(Pause, cancellationToken);
                }

                way.PeersCpuSeconds += pids.Sum(ProcStatus.CpuSeconds) - peersBefore;
                way.BenchCpuSeconds += ProcStatus.CpuSeconds(Environment.ProcessId) - benchBefore;
                way.Rounds += warmUp + samples / 2;
                if (letter != 'T')
                {
                    await VerifyAsync(fleet, way.LastBackend!, cancellationToken);
                }
            }

            // The recipe's socat loop on the same fleet last (it takes ~20 ms a proxy), as fleet-switch runs it.
            await Task.WhenAll(agents.Select(p => p.DisposeAsync().AsTask()));
            agents.Clear();
            var (recipe, _) = await FleetSwitchBenchmark.MeasureRecipeAsync(fleet, samples, cancellationToken);
            return new Row(n, ways['D'].Stats(), ways['S'].Stats(), ways['T'].Stats(), run.Agent is null ? null : ways['A'].Stats(), recipe);
        }
        finally
        {
            await Task.WhenAll(peers.Concat(agents).Select(p => p.DisposeAsync().AsTask()));
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
            await Task.WhenAll(fleet.Select(p => p.DisposeAsync().AsTask()));
        }
    }

    /// <summary>A real bluegreen-agent beside each haproxy (state, map file, ticks, two acks), dialing the minimal gateway.</summary>
    private static async Task<List<AgentProcess>> StartAgentsAsync(Setup run, List<HaProxyInstance> fleet, TempFolder hosts, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(1, fleet.Count).Select(i => $"agent-{i}").ToList();
        run.Gateway.Expect(ids);
        var agents = new List<AgentProcess>();
        try
        {
            foreach (var (proxy, id) in fleet.Zip(ids))
            {
                var host = hosts.File(id);
                // The minimal gateway checks no credential, but the agent refuses to start without a readable one.
                await FaultStage.WriteCredentialAsync(host, "stream-floor", cancellationToken);
                string[] tls = run.Gateway.Url.StartsWith("https://", StringComparison.Ordinal) ? ["--ca-file", run.CaFile] : [];
                agents.Add(AgentProcess.Start([.. FaultStage.AgentArguments(id, run.Gateway.Url, host, proxy), .. tls], run.Agent));
            }

            await run.Gateway.AllConnectedAsync(TimeSpan.FromSeconds(120), () => agents.FirstOrDefault(p => p.HasExited)?.Output, cancellationToken);
            return agents;
        }
        catch
        {
            await Task.WhenAll(agents.Select(p => p.DisposeAsync().AsTask()));
            throw;
        }
    }

    /// <summary>One <c>set map</c> on every proxy's own connection at once; the time to the last reply and from the first.</summary>
    private static async Task<(double Duration, double Skew)> DirectAsync(List<HaProxyRuntimeClient> clients, List<HaProxyInstance> fleet, string backend, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var replies = await Task.WhenAll(clients.Zip(fleet).Select(async pair =>
        {
            await pair.First.SetMapAsync(pair.Second.MapFile, Host, backend, cancellationToken);
            return Stopwatch.GetTimestamp();
        }));
        return (Stopwatch.GetElapsedTime(start, replies.Max()).TotalMilliseconds, Stopwatch.GetElapsedTime(replies.Min(), replies.Max()).TotalMilliseconds);
    }

    /// <summary>Every frontend answers from the colour the last <c>set map</c> chose: the commands really moved traffic.</summary>
    private static async Task VerifyAsync(List<HaProxyInstance> fleet, string backend, CancellationToken cancellationToken)
    {
        var expected = backend == "web_blue" ? "blue" : "green";
        foreach (var proxy in fleet)
        {
            using var http = new FrontendClient(proxy.FrontendUrl);
            var reply = await http.GetAsync(Host, cancellationToken: cancellationToken);
            if (reply.Echo?.Colour != expected)
            {
                throw new InvalidOperationException($"{proxy.Address} answers from '{reply.Echo?.Colour}', not {expected}.");
            }
        }
    }

    private static string Line(Row row) => string.Create(CultureInfo.InvariantCulture,
        $"| {row.N} | {row.Direct.Duration.Median:0.00} / {row.Direct.Duration.P90:0.00} | {row.Stream.Duration.Median:0.00} / {row.Stream.Duration.P90:0.00} | {row.Transport.Duration.Median:0.00} / {row.Transport.Duration.P90:0.00} | {Ms(row.Agents?.Duration)} | {row.Direct.Skew.Median:0.00} / {row.Stream.Skew.Median:0.00} / {row.Transport.Skew.Median:0.00} | {row.Stream.Duration.Median / row.Direct.Duration.Median:0.00}× | {Ratio(row.Agents?.Duration.Median / row.Direct.Duration.Median)} | {row.Recipe.Median:0.00} | {row.Recipe.Median / row.Stream.Duration.Median:0.0}× | {row.Direct.PeersMs:0.00} / {row.Stream.PeersMs:0.00} / {row.Transport.PeersMs:0.00} / {Cpu(row.Agents?.PeersMs)} | {row.Direct.BenchMs:0.00} / {row.Stream.BenchMs:0.00} / {row.Transport.BenchMs:0.00} / {Cpu(row.Agents?.BenchMs)} |");

    private static string Ms(LatencyStats? stats) => stats is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{stats.Median:0.00} / {stats.P90:0.00}");

    private static string Ratio(double? ratio) => ratio is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.00}×") : "–";

    private static string Cpu(double? ms) => ms is { } m ? m.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Render(List<Row> rows, int samples, Setup run)
    {
        var transport = run.Gateway.Url.StartsWith("https://", StringComparison.Ordinal)
            ? "HTTP/2 over TLS (`--tls`), as agents on other hosts dial"
            : "HTTP/2 in cleartext on loopback, as `fleet-switch`'s agents dial (`--tls` for TLS)";
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"The least a switch through agents can cost on this machine, against the least a direct one can: N haproxy processes (a fresh fleet per N, Runtime API on unix sockets), {samples} measured rounds per way after {WarmUp} warm-up ones, in the order D S T T S D (half the rounds each time){(run.Agent is null ? string.Empty : " and then A (after the peers stopped)")}, {Pause.TotalMilliseconds:0} ms apart. The streams: {transport}. No Orleans and no grain in D, S and T.")
            .AppendLine()
            .AppendLine("- **D, direct floor**: the bench sends `set map` to the N Runtime API sockets at once, one persistent connection each (`HaProxyRuntimeClient`, as a proxy grain in direct mode); the time to the last reply.")
            .AppendLine(CultureInfo.InvariantCulture, $"- **S, stream floor**: the bench hosts the agents' gRPC service itself (Kestrel, `Agents.Connect`) and N `bluegreen-stream-peer` processes (`{run.Peer}`, published native with the agent's runtime settings) hold one stream each; one routes message down all N streams at once, each peer sends its `set map` and a runtime ack; the time to the last ack read. Nothing else: no version check, no state file, no map file, no tick, no Orleans call.")
            .AppendLine("- **T, transport only**: the same message with no route, so no peer touches HAProxy: the stream and the processes' wake-ups alone.")
            .AppendLine(CultureInfo.InvariantCulture, $"- **A, real agents, minimal server**: {(run.Agent is null ? "not run (`--agent PATH`)." : $"N `bluegreen-agent` processes (`{run.Agent}`) beside the same haproxy processes, dialing the same minimal gateway, the same message as S; the time to the last first (runtime) ack, as `fleet-switch`'s switch; each agent then writes its state and map files, reads the runtime map back and acks again, and sends its snapshot every tick, as it does for a real server; the next round starts 20 ms after every final ack came, as a deployment goes on only then. What A adds to S is the agent's own work; what `fleet-switch` adds to A is the server's (Orleans, the proxy grains, the engine).")}")
            .AppendLine("- **recipe**: `fleet-switch`'s socat loop (one `echo \"set map …\" | socat` per proxy, one after the other), on the same fleet after the three ways.")
            .AppendLine("- After each D and S pass every frontend is asked which colour it serves: the last `set map` moved traffic on all N.")
            .AppendLine("- CPU: `/proc/<pid>/stat` utime + stime of the N peers together and of the bench process (Kestrel's side of the streams and the direct connections), over each way's rounds, warm-up included, per round.")
            .AppendLine()
            .AppendLine("| N | D median / p90 ms | S median / p90 ms | T median / p90 ms | A median / p90 ms | skew medians D / S / T ms | S ÷ D | A ÷ D | recipe median ms | recipe ÷ S | peers' (A: agents') CPU per round D / S / T / A ms | bench's CPU per round D / S / T / A ms |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(Line(row));
        }

        text.AppendLine()
            .AppendLine("What it says about issue 15's targets at N = 50 (through agents ≤ 2× direct and ≥ 50× faster than the recipe): S ÷ D and recipe ÷ S are the ratios the agent path would reach on this machine if the agent and the server did no work but the stream and one `set map`; `fleet-switch` measures what they reach with their work (`docs/scale.md`, \"The floor under the agent path\").");
        return text.ToString();
    }

    private sealed class Way
    {
        public List<double> Durations { get; } = [];

        public List<double> Skews { get; } = [];

        public double PeersCpuSeconds { get; set; }

        public double BenchCpuSeconds { get; set; }

        public int Rounds { get; set; }

        public string? LastBackend { get; set; }

        public WayStats Stats() => new(LatencyStats.Of(Durations), LatencyStats.Of(Skews), PeersCpuSeconds * 1000 / Rounds, BenchCpuSeconds * 1000 / Rounds);
    }

    private sealed record WayStats(LatencyStats Duration, LatencyStats Skew, double PeersMs, double BenchMs);

    private sealed record Row(int N, WayStats Direct, WayStats Stream, WayStats Transport, WayStats? Agents, LatencyStats Recipe);

    private sealed record Setup(string Peer, string? Agent, string CaFile, StreamFloorGateway Gateway, EchoInstance Blue, EchoInstance Green);
}
