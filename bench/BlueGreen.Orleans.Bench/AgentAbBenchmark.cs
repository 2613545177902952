using System.CommandLine;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// Two agent builds alternated in one bench process: the same rollbacks through agents as <c>fleet-switch</c>'s agents
/// phase, each run on a fresh fleet (N haproxy processes started for it), with a fresh server and fresh agent folders,
/// in the order given. Run after run on one fleet, the same build's switch at N = 50 got ~1.4× slower from the second run
/// on, and stayed there; on a fresh fleet per run it did not (docs/scale.md). The default order ABBAABBA also cancels a
/// drift that is linear in time, should the machine bring one. Prints its table; writes no report.
/// </summary>
internal static class AgentAbBenchmark
{
    public static Command Command()
    {
        var a = new Option<string>("--a") { Required = true, Description = "The baseline: a bluegreen-agent executable, or a script that execs one (to set its environment)." };
        var b = new Option<string>("--b") { Required = true, Description = "The change, the same way." };
        var proxies = new Option<int>("--proxies") { Description = "Fleet size (1-200).", DefaultValueFactory = _ => 50 };
        var samples = new Option<int>("--samples") { Description = "Measured rollbacks per run (at least 30).", DefaultValueFactory = _ => 30 };
        var order = new Option<string>("--order") { Description = "The runs, one letter each (A or B), in order.", DefaultValueFactory = _ => "ABBAABBA" };
        var command = new Command("agent-ab", "Two bluegreen-agent builds alternated, a fresh fleet each run: fleet-switch's agents phase, run by run.") { a, b, proxies, samples, order };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(proxies), parse.GetValue(samples), parse.GetValue(order)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string a, string b, int n, int samples, string order, CancellationToken cancellationToken)
    {
        var missing = new[] { a, b }.Where(path => !File.Exists(path)).ToList();
        if (missing.Count > 0 || n is < 1 or > 200 || samples < 30 || order.Length == 0 || order.Any(c => c is not ('A' or 'B')))
        {
            await Console.Error.WriteLineAsync(missing.Count > 0
                ? $"no such file: {string.Join(", ", missing)}."
                : "--proxies must be 1..200, --samples at least 30, and --order a non-empty string of A and B.");
            return 2;
        }

        var runs = new List<(char Build, FleetSwitchBenchmark.ProjectRun Run)>();
        await using var blue = await EchoInstance.StartAsync("blue", "1", cancellationToken: cancellationToken);
        await using var green = await EchoInstance.StartAsync("green", "2", cancellationToken: cancellationToken);
        foreach (var build in order)
        {
            var fleet = new List<HaProxyInstance>();
            try
            {
                using var folder = new TempFolder("agentab");
                await FleetSwitchBenchmark.StartFleetAsync(fleet, n, blue, green, cancellationToken);
                var run = await FleetSwitchBenchmark.MeasureProjectAsync(fleet, samples, folder, blue, green, agents: true, build == 'A' ? a : b, cancellationToken);
                runs.Add((build, run));
                Console.WriteLine(Line(runs.Count, build, run));
            }
            finally
            {
                await Task.WhenAll(fleet.Select(p => p.DisposeAsync().AsTask()));
            }
        }

        Console.WriteLine(Render(runs, a, b, n, samples));
        return 0;
    }

    private static string Line(int index, char build, FleetSwitchBenchmark.ProjectRun run) => string.Create(CultureInfo.InvariantCulture,
        $"| {index} | {build} | {run.Duration.Median:0.00} / {run.Duration.P90:0.00} | {run.Skew.Median:0.00} | {run.Saved.Median:0.00} | {run.Pushes?.RoundTripMeanMs:0.00} | {run.Pushes?.AgentMeanMs:0.00} | {run.Cpu.AgentsMs:0} | {run.Cpu.ServerMs:0} |");

    private static string Render(List<(char Build, FleetSwitchBenchmark.ProjectRun Run)> runs, string a, string b, int n, int samples)
    {
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"N = {n}, {samples} measured rollbacks per run; A = `{a}`, B = `{b}`.")
            .AppendLine()
            .AppendLine("| run | build | switch median / p90 ms | skew median ms | saved median ms | push round trip mean ms | of which the agent's own ms | agents' CPU per rollback ms | server's CPU per rollback ms |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (run, index) in runs.Select((r, i) => (r, i + 1)))
        {
            text.AppendLine(Line(index, run.Build, run.Run));
        }

        text.AppendLine();
        foreach (var build in "AB".Where(letter => runs.Any(r => r.Build == letter)))
        {
            var mine = runs.Where(r => r.Build == build).Select(r => r.Run).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"- {build}, {mine.Count} run(s): switch median {mine.Average(r => r.Duration.Median):0.00} ms, agents' CPU per rollback {mine.Average(r => r.Cpu.AgentsMs ?? 0):0} ms (means over its runs).");
        }

        if (runs.Any(r => r.Build == 'A') && runs.Any(r => r.Build == 'B'))
        {
            double Mean(char build, Func<FleetSwitchBenchmark.ProjectRun, double> figure) => runs.Where(r => r.Build == build).Average(r => figure(r.Run));
            text.AppendLine(CultureInfo.InvariantCulture, $"- B ÷ A: switch {Mean('B', r => r.Duration.Median) / Mean('A', r => r.Duration.Median):0.00}, agents' CPU {Mean('B', r => r.Cpu.AgentsMs ?? 0) / Mean('A', r => r.Cpu.AgentsMs ?? 0):0.00}.");
        }

        return text.ToString();
    }
}
