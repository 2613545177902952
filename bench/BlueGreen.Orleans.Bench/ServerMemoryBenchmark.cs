using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.Harness;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// Resident memory of an idle embedded <c>bluegreen-server</c> (silo + gateway, SQLite, nothing registered), as an
/// operator starts it: after one CLI call and one metrics scrape, once it has settled, read from /proc. Dashboard off
/// (the default, the target) and on (for comparison), each a fresh process started the same way.
/// </summary>
internal static class ServerMemoryBenchmark
{
    private const double TargetRssMb = 150;

    public static Command Command()
    {
        var settle = new Option<int>("--settle") { Description = "Seconds to wait after the first requests before measuring (at least 10).", DefaultValueFactory = _ => 60 };
        var window = new Option<int>("--window") { Description = "Seconds to sample /proc over, once a second (at least 5).", DefaultValueFactory = _ => 10 };
        var command = new Command("server-memory", "Idle embedded bluegreen-server: resident memory (dashboard off and on), where it goes.") { settle, window };
        command.SetAction((parse, cancellationToken) => RunAsync(TimeSpan.FromSeconds(parse.GetValue(settle)), TimeSpan.FromSeconds(parse.GetValue(window)), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(TimeSpan settle, TimeSpan window, CancellationToken cancellationToken)
    {
        if (settle < TimeSpan.FromSeconds(10) || window < TimeSpan.FromSeconds(5))
        {
            await Console.Error.WriteLineAsync("--settle must be at least 10 and --window at least 5.");
            return 2;
        }

        try
        {
            var off = await MeasureAsync(dashboard: false, settle, window, cancellationToken);
            Console.WriteLine($"dashboard off: VmRSS median {off.Rss.Median:0.0} MB");
            var on = await MeasureAsync(dashboard: true, settle, window, cancellationToken);
            Console.WriteLine($"dashboard on: VmRSS median {on.Rss.Median:0.0} MB");
            var body = Render(off, on, settle, window);
            Console.WriteLine(body);
            await BenchmarkReport.WriteSectionAsync("server-memory", "Idle embedded server: resident memory", body,
                BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"server-memory failed: {e}");
            return 1;
        }
    }

    private static async Task<Idle> MeasureAsync(bool dashboard, TimeSpan settle, TimeSpan window, CancellationToken cancellationToken)
    {
        using var folder = new TempFolder("membench");
        // The product's defaults (the harness's test intervals are faster); no process runtime, as a server starts.
        await using var server = new ServerProcess(
            folder.File("server"),
            processCommands: [],
            extraArguments:
            [
                "--BlueGreen:ProxyMonitorInterval", "00:00:01",
                "--BlueGreen:DeploymentPollInterval", "00:00:00.100",
                "--BlueGreen:Dashboard:Enabled", dashboard ? "true" : "false",
            ])
        { ConnectClient = false };
        try
        {
            await server.StartAsync();
            var pid = server.Pid ?? throw new InvalidOperationException("bluegreen-server is not running.");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };

            // One page load: what `bluegreen service list` and `proxy list` send, one Prometheus scrape, and the dashboard's page when it is on.
            using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}"))
            {
                var token = new Metadata { { "authorization", "Bearer " + ServerProcess.ReadToken } };
                await new V1.Services.ServicesClient(channel).ListServicesAsync(new V1.ListServicesRequest(), token, cancellationToken: cancellationToken);
                await new V1.Proxies.ProxiesClient(channel).ListProxiesAsync(new V1.ListProxiesRequest(), token, cancellationToken: cancellationToken);
            }

            (await http.GetAsync(new Uri("/metrics", UriKind.Relative), cancellationToken)).EnsureSuccessStatusCode();
            if (dashboard)
            {
                (await http.GetAsync(new Uri("/dashboard/", UriKind.Relative), cancellationToken)).EnsureSuccessStatusCode();
            }

            await Task.Delay(settle, cancellationToken);
            var samples = new List<(double Rss, double Anon, double File, double Shmem)>();
            var cpuBefore = ProcStatus.CpuSeconds(pid);
            for (var i = 0; i < window.TotalSeconds; i++)
            {
                samples.Add((MiB(pid, "VmRSS"), MiB(pid, "RssAnon"), MiB(pid, "RssFile"), MiB(pid, "RssShmem")));
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            var cpu = (ProcStatus.CpuSeconds(pid) - cpuBefore) / window.TotalSeconds * 100;
            // Each figure summed over its series (the GC heap over its generations).
            var metrics = await server.ScrapeMetricsAsync(cancellationToken);
            double Median(Func<(double Rss, double Anon, double File, double Shmem), double> field) => LatencyStats.Of(samples.Select(field).ToList()).Median;
            return new Idle(
                LatencyStats.Of(samples.Select(s => s.Rss).ToList()),
                Median(s => s.Anon),
                Median(s => s.File),
                Median(s => s.Shmem),
                MiB(pid, "VmHWM"),
                cpu,
                metrics.Values("dotnet_gc_last_collection_heap_size_bytes").Sum() / 1024 / 1024,
                metrics.Values("dotnet_gc_last_collection_memory_committed_size_bytes").Sum() / 1024 / 1024,
                metrics.Values("dotnet_jit_compiled_methods_total").Sum(),
                metrics.Values("dotnet_assembly_count").Sum(),
                (int)(ProcStatus.Count(pid, "Threads") ?? 0));
        }
        catch when (server.Output.Length > 0)
        {
            await Console.Error.WriteLineAsync(server.Output.Length > 4000 ? server.Output[^4000..] : server.Output);
            throw;
        }
    }

    private static string Render(Idle off, Idle on, TimeSpan settle, TimeSpan window)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"A real `bluegreen-server` (embedded: silo + gateway in one process, SQLite storage and reminders; product defaults; no process runtime; nothing registered), started as `dotnet bluegreen-server.dll` from the Release build. After it listens: one `ListServices` and one `ListProxies` gRPC call (read token), one `/metrics` scrape (and `/dashboard/` when the dashboard is on); then {settle.TotalSeconds:0} s at rest, then `/proc/<pid>/status` once a second for {window.TotalSeconds:0} s. Each configuration is a fresh process. MB here are MiB (kB from /proc ÷ 1024).")
            .AppendLine()
            .AppendLine("| dashboard | VmRSS median / max MB | private (RssAnon) / file-backed (RssFile) / JIT code (RssShmem), medians MB | peak (VmHWM) MB | GC heap after last GC / GC committed MB | JIT-compiled methods | assemblies | threads | CPU % of one core |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, idle) in new[] { ("off (default)", off), ("on", on) })
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {idle.Rss.Median:0.0} / {idle.Rss.Max:0.0} | {idle.AnonMb:0.0} / {idle.FileMb:0.0} / {idle.ShmemMb:0.0} | {idle.PeakMb:0.0} | {idle.GcHeapMb:0.0} / {idle.GcCommittedMb:0.0} | {idle.JitMethods:N0} | {idle.Assemblies:0} | {idle.Threads} | {idle.CpuPercent:0.00} |");
        }

        text.AppendLine()
            .AppendLine("RssFile is the runtime's, the framework's and the packages' files mapped read-only from disk (clean pages, shared")
            .AppendLine("with every other .NET process on the host); RssShmem is code the JIT compiled, double-mapped for W^X (never")
            .AppendLine("writable and executable at once), so it grows with the number of methods compiled; RssAnon holds the GC heap, the")
            .AppendLine("runtime's own data and the native libraries' heaps. The GC heap figures come from the server's own `/metrics`")
            .AppendLine("(`dotnet.gc.last_collection.heap.size`, `dotnet.gc.last_collection.memory.committed_size`).")
            .AppendLine()
            .AppendLine("Two allocations made up front would hold 36 MB of an idle server's GC heap, and the server turns both down")
            .AppendLine("(found with `dotnet-trace` GC allocation ticks and `dotnet-gcdump`): OpenTelemetry's 2,000 points for each of")
            .AppendLine("some 130 metrics (18 MB; 256 series per metric now, the per-proxy ones keep 2,000) and Orleans' grain directory")
            .AppendLine("cache sized for a million grains (18 MB; 50,000 now).")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Runtime settings in force (`bluegreen-server.runtimeconfig.json`): {RuntimeSettings()}.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Target: dashboard off ≤ {TargetRssMb:0} MB VmRSS (median).")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Machine load while measuring (1-minute load average from /proc/loadavg at the end): {ProcStatus.LoadAverage():0.00} on {Environment.ProcessorCount} cores.")
            .AppendLine()
            .AppendLine(off.Rss.Median <= TargetRssMb
                ? "**Target met.**"
                : string.Create(CultureInfo.InvariantCulture, $"**Target missed**: {off.Rss.Median:0.0} MB > {TargetRssMb:0} MB with the dashboard off."));
        return text.ToString();
    }

    /// <summary>The GC and JIT knobs of the server's runtimeconfig.json, as built: what the figures were measured with.</summary>
    private static string RuntimeSettings()
    {
        var path = Path.ChangeExtension(ServerProcess.DllPath, ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var settings = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").EnumerateObject()
            .Where(p => p.Name.StartsWith("System.GC.", StringComparison.Ordinal) || p.Name.StartsWith("System.Runtime.Tiered", StringComparison.Ordinal))
            .Select(p => $"`{p.Name}` = `{p.Value}`")
            .ToList();
        return settings.Count == 0 ? "none of GC or tiering (runtime defaults)" : string.Join(", ", settings);
    }

    private static double MiB(int pid, string field) => ProcStatus.MiB(pid, field) ?? throw new InvalidOperationException($"bluegreen-server {pid} is gone.");

    private sealed record Idle(
        LatencyStats Rss,
        double AnonMb,
        double FileMb,
        double ShmemMb,
        double PeakMb,
        double CpuPercent,
        double GcHeapMb,
        double GcCommittedMb,
        double JitMethods,
        double Assemblies,
        int Threads);
}
