using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Bench.Recipe;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// Latency of one <c>set map</c> through (a) the client's persistent prompt-mode connection, (b) a new TCP connection
/// per command, (c) the recipe's <c>echo "set map …" | socat</c> per command: all against the same haproxy, in one run.
/// </summary>
internal static class SetMapBenchmark
{
    private const string Host = "web.local";

    public static Command Command()
    {
        var count = new Option<int>("--count") { Description = "Commands per method (at least 1000).", DefaultValueFactory = _ => 2000 };
        var output = new Option<FileInfo?>("--output") { Description = "Also write the markdown table to this file." };
        var command = new Command("setmap", "set map latency: persistent connection vs new connection vs echo | socat.") { count, output };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(count), parse.GetValue(output), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int count, FileInfo? output, CancellationToken cancellationToken)
    {
        if (count < 1000)
        {
            await Console.Error.WriteLineAsync("--count must be at least 1000.");
            return 2;
        }

        var service = new ServiceBackends { Name = "web" };
        var backends = new[] { Colour.Blue.Backend("web"), Colour.Green.Backend("web") };
        await using var proxy = await HaProxyInstance.StartAsync([service], new Dictionary<string, string> { [Host] = backends[0] }, cancellationToken: cancellationToken);
        var endpoint = proxy.RuntimeApi;
        var map = proxy.MapFile;
        string Value(int i) => backends[i % 2];

        Console.WriteLine($"haproxy {(await GetVersionAsync(proxy, cancellationToken))} on {endpoint}; {count} commands per method, 100 warm-up each.");

        await using var verified = proxy.CreateClient();
        var persistentVerified = await MeasureAsync(count, i => verified.SetMapAsync(map, Host, Value(i), cancellationToken));
        await using var raw = proxy.CreateClient(new HaProxyRuntimeOptions { VerifyLiveWorker = false });
        var persistentRaw = await MeasureAsync(count, i => raw.SetMapAsync(map, Host, Value(i), cancellationToken));
        var perConnection = await MeasureAsync(count, i => NewConnectionSetMapAsync(endpoint, $"set map {map} {Host} {Value(i)}", cancellationToken));
        var socat = await MeasureSocatFromBashAsync(count, endpoint, map, backends, cancellationToken);

        // The last command set green (count is even → last index odd): prove the commands did land.
        var final = await verified.GetMapAsync(map, Host, cancellationToken);

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"`set map` latency, {count} commands per method (after 100 warm-up), one haproxy {(await GetVersionAsync(proxy, cancellationToken))}, all methods in this run.")
            .AppendLine()
            .AppendLine("| method | median ms | p90 ms | p99 ms | mean ms | max ms | median vs socat |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, stats) in new[]
        {
            ("(a) persistent prompt connection, live-worker check (default)", persistentVerified),
            ("(a') persistent prompt connection, no worker check", persistentRaw),
            ("(b) new TCP connection per command", perConnection),
            ("(c) `echo … \\| socat` per command from a bash loop (the recipe)", socat),
        })
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {stats.Median:0.000} | {stats.P90:0.000} | {stats.P99:0.000} | {stats.Mean:0.000} | {stats.Max:0.000} | {socat.Median / stats.Median:0.0}× |");
        }

        Console.WriteLine();
        Console.WriteLine(table);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output.FullName, table.ToString(), cancellationToken);
        }

        if (final == Value(count - 1))
        {
            await BenchmarkReport.WriteSectionAsync(
                "setmap", "`set map`: one command, three ways", table.ToString(),
                BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
        }

        if (final != Value(count - 1))
        {
            await Console.Error.WriteLineAsync($"The map holds '{final}', not '{Value(count - 1)}': commands were lost.");
            return 1;
        }

        return 0;
    }

    private static async Task<string> GetVersionAsync(HaProxyInstance proxy, CancellationToken cancellationToken)
    {
        await using var client = proxy.CreateClient();
        return (await client.ShowInfoAsync(cancellationToken)).Version;
    }

    private static async Task<LatencyStats> MeasureAsync(int count, Func<int, Task> once)
    {
        for (var i = 0; i < 100; i++)
        {
            await once(i);
        }

        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await once(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return LatencyStats.Of(samples);
    }

    /// <summary>Non-interactive mode: HAProxy answers one command and closes the connection.</summary>
    private static async Task NewConnectionSetMapAsync(RuntimeEndpoint endpoint, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint.Host!, endpoint.Port, cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, cancellationToken);
        var buffer = new byte[256];
        var reply = new StringBuilder();
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        if (reply.ToString().Trim().Length > 0)
        {
            throw new InvalidOperationException($"set map failed: {reply}");
        }
    }

    /// <summary>
    /// The recipe as it runs: one bash loop doing <c>echo "set map …" | socat stdio tcp4-connect:host:port</c> per
    /// command. Each command is timed inside bash with <c>$EPOCHREALTIME</c> (a builtin, no extra fork), so .NET's own
    /// process-start cost is not charged to the recipe.
    /// </summary>
    private static async Task<LatencyStats> MeasureSocatFromBashAsync(int count, RuntimeEndpoint endpoint, string map, string[] backends, CancellationToken cancellationToken)
    {
        var script = $$"""
            set -e
            for ((i = 0; i < {{count + 100}}; i++)); do
              if (( i % 2 )); then b={{backends[1]}}; else b={{backends[0]}}; fi
              s=$EPOCHREALTIME
              r=$(echo "set map {{map}} {{Host}} $b" | socat stdio tcp4-connect:{{endpoint.Host}}:{{endpoint.Port}})
              e=$EPOCHREALTIME
              [ -z "$r" ] || { echo "set map failed: $r" >&2; exit 1; }
              (( i < 100 )) || echo "$s $e"
            done
            """;
        var output = await RecipeScript.RunAsync(script, cancellationToken);

        var samples = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var parts = line.Split(' ');
            return (double.Parse(parts[1], CultureInfo.InvariantCulture) - double.Parse(parts[0], CultureInfo.InvariantCulture)) * 1000;
        }).ToList();
        return LatencyStats.Of(samples);
    }
}
