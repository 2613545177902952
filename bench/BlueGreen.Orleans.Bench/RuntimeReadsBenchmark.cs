using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// What one Runtime API read of one backend costs as the configuration grows: the reads a proxy grain makes for the
/// deployments that wait on its backends (<c>show stat &lt;backend&gt; 4 -1</c> and <c>show servers conn</c>, batched),
/// and <c>show servers state &lt;backend&gt;</c>, against one haproxy per configuration size, in one run. Reported per
/// command: the client's latency (a persistent prompt connection, parsing included) and the haproxy worker's CPU.
/// </summary>
internal static class RuntimeReadsBenchmark
{
    public static Command Command()
    {
        var services = new Option<int[]>("--services") { Description = "Configuration sizes: services, two backends each.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [100, 1000] };
        var count = new Option<int>("--count") { Description = "Commands per read kind and size (at least 500).", DefaultValueFactory = _ => 5000 };
        var command = new Command("runtime-reads", "Cost of one backend's Runtime API reads (and of set map) as the haproxy config grows.") { services, count };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(services)!, parse.GetValue(count), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int[] sizes, int count, CancellationToken cancellationToken)
    {
        if (count < 500 || sizes.Length == 0 || sizes.Any(s => s < 1))
        {
            await Console.Error.WriteLineAsync("--count must be at least 500 and --services at least 1.");
            return 2;
        }

        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"One backend's reads through the Runtime API, {count} commands per row (after 100 warm-up), one haproxy per configuration size, all in this run; every backend has one server (health checks every 60 s, to a closed port). Latency: a persistent prompt connection, the reply parsed as the proxy grain parses it. CPU: the haproxy worker's user + system time over the row, per command (clock ticks of 10 ms: ±10 ms over the row).")
            .AppendLine()
            .AppendLine("| backends in the config | command | median ms | p90 ms | haproxy CPU µs/command |")
            .AppendLine("|---|---|---:|---:|---:|");
        foreach (var size in sizes)
        {
            foreach (var mapReaders in new[] { false, true })
            {
                await MeasureConfigAsync(table, size, mapReaders, count, cancellationToken);
            }
        }

        Console.WriteLine(table);
        await BenchmarkReport.WriteSectionAsync(
            "runtime-reads", "Runtime API reads: cost per backend as the config grows", table.ToString(),
            BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
        return 0;
    }

    /// <summary>
    /// One configuration: <paramref name="size"/> services, and with <paramref name="mapReaders"/> one more backend per
    /// service that reads the routes map in an <c>http-request return</c>, as the per-service maintenance pages did before
    /// the shared one (added to the rendered file, then a reload).
    /// </summary>
    private static async Task MeasureConfigAsync(StringBuilder table, int size, bool mapReaders, int count, CancellationToken cancellationToken)
    {
        var services = Enumerable.Range(0, size).Select(i => new ServiceBackends
        {
            Name = $"svc{i}",
            Blue = [new BackendServer("s1", "127.0.0.1", 9)],
            Green = [new BackendServer("s1", "127.0.0.1", 9)],
            Check = new HealthCheck { Interval = TimeSpan.FromSeconds(60), DownInterval = TimeSpan.FromSeconds(60) },
        }).ToList();
        var routes = Enumerable.Range(0, size).ToDictionary(i => $"svc{i}.local", i => Colour.Blue.Backend($"svc{i}"));
        await using var proxy = await HaProxyInstance.StartAsync(services, routes, cancellationToken: cancellationToken);
        if (mapReaders)
        {
            var readers = new StringBuilder();
            for (var i = 0; i < size; i++)
            {
                readers.Append(CultureInfo.InvariantCulture, $"\nbackend svc{i}_page\n    http-request return status 503 content-type text/plain lf-string \"%[str(/maintenance/svc{i}),map({proxy.MapFile},ZGVmYXVsdA),ub64dec]\"\n");
            }

            await File.AppendAllTextAsync(proxy.ConfigPath, readers.ToString(), cancellationToken);
            await proxy.ReloadAsync(cancellationToken);
        }

        await using var client = proxy.CreateClient();
        var worker = (await client.ShowInfoAsync(cancellationToken)).Pid;
        var backends = (size * (mapReaders ? 3 : 2)) + 2; // two colours each (and a page), the maintenance page and no_route
        var config = mapReaders ? $"{backends:N0}, {size:N0} of them reading the map" : $"{backends:N0}";
        string Backend(int i) => Colour.Blue.Backend($"svc{i % size}");
        var batch = Enumerable.Range(0, Math.Min(HaProxyRuntimeClient.BackendsPerBatch, size)).Select(Backend).ToList();

        foreach (var (name, perCall, once) in new (string, int, Func<int, Task>)[]
        {
            ("`show stat <backend> 4 -1`", 1, i => client.ShowServerStatsAsync(Backend(i), cancellationToken)),
            ("`show servers conn <backend>`", 1, i => client.ShowServersConnAsync(Backend(i), cancellationToken)),
            ("`show servers state <backend>`", 1, i => client.ShowServersStateAsync(Backend(i), cancellationToken)),
            ($"a deployment read of {batch.Count} backends (stat + conn each, pipelined), per backend", batch.Count, _ => client.ShowBackendsAsync(batch, cancellationToken)),
            ("`set map <map> <key> <backend>`", 1, i => client.SetMapAsync(proxy.MapFile, $"svc{i % size}.local", i % 2 == 0 ? Colour.Green.Backend($"svc{i % size}") : Colour.Blue.Backend($"svc{i % size}"), cancellationToken)),
        })
        {
            var calls = Math.Max(count / perCall, 50);
            var (stats, cpu) = await MeasureAsync(calls, worker, once);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {config} | {name} | {stats.Median / perCall:0.000} | {stats.P90 / perCall:0.000} | {cpu.TotalMicroseconds / (calls * perCall):0} |");
        }
    }

    private static async Task<(LatencyStats Stats, TimeSpan Cpu)> MeasureAsync(int count, int worker, Func<int, Task> once)
    {
        for (var i = 0; i < 100; i++)
        {
            await once(i);
        }

        var samples = new double[count];
        var cpuBefore = ProcStatus.CpuTime(worker) ?? throw new InvalidOperationException($"haproxy worker {worker} is gone.");
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await once(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var cpu = (ProcStatus.CpuTime(worker) ?? throw new InvalidOperationException($"haproxy worker {worker} is gone.")) - cpuBefore;
        return (LatencyStats.Of(samples), cpu);
    }
}
