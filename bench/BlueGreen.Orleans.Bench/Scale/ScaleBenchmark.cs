using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>
/// Issue 5 §2: N services × P proxies registered on a 2-silo Redis cluster, then R releases started at once; every
/// one must end consistent on every proxy while the other services stay untouched. Instances use the
/// <c>external</c> runtime: one blue and one green echo process already serve every service's servers, so the run
/// measures the orchestrator (health gating, switch, drain, persistence) and not 100 process starts on 2 cores.
/// </summary>
internal static class ScaleBenchmark
{
    public static Command Command()
    {
        var services = new Option<int>("--services") { Description = "Services registered on every proxy.", DefaultValueFactory = _ => 1000 };
        var proxies = new Option<int>("--proxies") { Description = "haproxy processes, one 127.0.0.x each.", DefaultValueFactory = _ => 20 };
        var releases = new Option<int>("--releases") { Description = "Releases started at once.", DefaultValueFactory = _ => 100 };
        var parallelism = new Option<int>("--apply-parallelism") { Description = "Service applies in flight while registering.", DefaultValueFactory = _ => new ScaleOptions().ApplyParallelism };
        var interval = new Option<TimeSpan>("--check-interval") { Description = "haproxy 'inter' of every server (e.g. 00:00:30).", DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
        var command = new Command("scale", "N services × P proxies on a 2-silo Redis cluster; R releases at once, each checked on every proxy.")
        {
            services, proxies, releases, parallelism, interval,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var defaults = new ScaleOptions();
            var options = defaults with
            {
                Services = parse.GetValue(services),
                Proxies = parse.GetValue(proxies),
                Releases = parse.GetValue(releases),
                ApplyParallelism = parse.GetValue(parallelism),
                Check = defaults.Check with { Interval = parse.GetValue(interval) },
            };
            return RunAsync(options, Environment.GetCommandLineArgs().Skip(1).ToList(), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ScaleOptions options, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, errors));
            return 2;
        }

        var result = new ScaleResult { Options = options };
        await using (var fleet = await ScaleFleet.StartAsync(options, cancellationToken))
        {
            result = result with { ProxyStartTime = fleet.ProxyStartTime, ConfigBytes = fleet.ConfigBytes };
            var client = fleet.Silos[0].Client;
            try
            {
                result = await RunPhasesAsync(fleet, client, result, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or BlueGreenException)
            {
                // The silos' own words on why (starvation, storage, timeouts) before they are stopped.
                foreach (var silo in fleet.Silos)
                {
                    var lines = silo.Output.Split('\n');
                    await Console.Error.WriteLineAsync($"--- silo pid {silo.Pid}, last lines ---\n{string.Join('\n', lines.TakeLast(60))}");
                }

                throw;
            }
        }

        return await ReportAsync(result, args, cancellationToken);
    }

    private static async Task<ScaleResult> RunPhasesAsync(ScaleFleet fleet, IClusterClient client, ScaleResult result, CancellationToken cancellationToken)
    {
        var options = result.Options;
        var registering = await StartCpuAsync(fleet, cancellationToken);
        result = await RegisterAsync(fleet, client, result, cancellationToken);
        result = result with { Registering = registering() };
        result = result with { Idle = await MeasureIdleAsync(fleet, TimeSpan.FromSeconds(10), cancellationToken) };

        var released = Enumerable.Range(0, options.Releases).Select(i => i * options.Services / options.Releases).ToHashSet();
        var loadAtStart = ProcStatus.LoadAverage();
        var wave = await StartCpuAsync(fleet, cancellationToken);

        // The first seconds: every release provisions at once, and most switch and drain a health check later.
        var burst = Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ContinueWith(_ => wave(), TaskScheduler.Default);
        result = await ReleaseAsync(client, released, result, cancellationToken);
        result = result with { LoadAverage = (loadAtStart, ProcStatus.LoadAverage()), Wave = wave(), Burst = await burst };
        Console.WriteLine($"releases: haproxy {result.Wave.HaProxyCores:0.00} cores, echo {result.Wave.EchoCores:0.00}, silos {result.Wave.SiloCores:0.00}");
        result = await VerifyAsync(fleet, client, released, result, cancellationToken);
        result = result with
        {
            SiloPeakRssMiB = fleet.Silos.Select(s => s.Pid is { } pid ? ProcStatus.PeakRssMiB(pid) : null).ToList(),
            Redis = await ReadRedisAsync(fleet.Redis.ConnectionString),
        };

        return result;
    }

    private static async Task<int> ReportAsync(ScaleResult result, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var body = ScaleReport.Render(result);
        Console.WriteLine();
        Console.WriteLine(body);
        await BenchmarkReport.WriteSectionAsync("scale", "Scale: services × proxies, concurrent releases on a 2-silo cluster", body, BenchmarkReport.ReproduceCommand(args), cancellationToken);
        if (result.Consistency.Problems.Count > 0)
        {
            await Console.Error.WriteLineAsync($"{result.Consistency.Problems.Count} inconsistencies:");
            foreach (var problem in result.Consistency.Problems.Take(50))
            {
                await Console.Error.WriteLineAsync("  " + problem);
            }

            return 1;
        }

        return 0;
    }

    /// <summary>Registers every proxy, then applies every service (each routing its key to blue on every proxy).</summary>
    private static async Task<ScaleResult> RegisterAsync(ScaleFleet fleet, IClusterClient client, ScaleResult result, CancellationToken cancellationToken)
    {
        var options = result.Options;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(fleet.Proxies.Select((p, i) => client.GetGrain<IProxyGrain>(ScaleFleet.ProxyId(i))
            .RegisterAsync(new ProxyRegistration { RuntimeApi = p.RuntimeApi.ToString(), MapFile = p.MapFile })));
        var proxyRegistration = clock.Elapsed;
        Console.WriteLine($"{options.Proxies} proxies registered in {proxyRegistration.TotalSeconds:0.00} s");

        var proxyIds = Enumerable.Range(0, options.Proxies).Select(ScaleFleet.ProxyId).ToList();
        var latencies = new ConcurrentBag<double>();
        var done = 0;
        clock.Restart();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, options.Services),
            new ParallelOptions { MaxDegreeOfParallelism = options.ApplyParallelism, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                var spec = new ServiceSpec
                {
                    Name = ScaleFleet.ServiceName(i),
                    RouteKey = ScaleFleet.RouteKey(i),
                    Proxies = [.. proxyIds],
                    Blue = new ColourSpec { Runtime = "external", Instances = [new InstanceSlot("b1", fleet.Blue.Address, fleet.Blue.Port)] },
                    Green = new ColourSpec { Runtime = "external", Instances = [new InstanceSlot("g1", fleet.Green.Address, fleet.Green.Port)] },
                    LiveVersion = ScaleFleet.BlueVersion,
                };
                var start = Stopwatch.GetTimestamp();
                await client.GetGrain<IServiceGrain>(spec.Name).ApplyAsync(spec);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (Interlocked.Increment(ref done) % 100 == 0)
                {
                    Console.WriteLine($"  {done}/{options.Services} services applied ({clock.Elapsed.TotalSeconds:0.0} s)");
                }
            });
        var serviceRegistration = clock.Elapsed;
        Console.WriteLine($"{options.Services} services × {options.Proxies} proxies applied in {serviceRegistration.TotalSeconds:0.0} s");
        return result with { ProxyRegistration = proxyRegistration, ServiceRegistration = serviceRegistration, ApplyLatency = LatencyStats.Of(latencies) };
    }

    /// <summary>CPU used by haproxy, the echo processes and the silos while nothing happens but health checks and monitors.</summary>
    private static async Task<IdleCost> MeasureIdleAsync(ScaleFleet fleet, TimeSpan window, CancellationToken cancellationToken)
    {
        var stop = await StartCpuAsync(fleet, cancellationToken);
        await Task.Delay(window, cancellationToken);
        var idle = stop();
        Console.WriteLine($"idle: haproxy {idle.HaProxyCores:0.00} cores, echo {idle.EchoCores:0.00}, silos {idle.SiloCores:0.00}");
        return idle;
    }

    /// <summary>Starts counting the CPU time of haproxy, the echo processes and the silos; the function returns the cores used since.</summary>
    private static async Task<Func<IdleCost>> StartCpuAsync(ScaleFleet fleet, CancellationToken cancellationToken)
    {
        var workers = new List<int>();
        foreach (var proxy in fleet.Proxies)
        {
            await using var admin = proxy.CreateClient();
            workers.Add((await admin.ShowInfoAsync(cancellationToken)).Pid);
        }

        int[] echoes = [fleet.Blue.Pid, fleet.Green.Pid];
        var silos = fleet.Silos.Select(s => s.Pid ?? 0).ToArray();
        TimeSpan Sum(IEnumerable<int> pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + (ProcStatus.CpuTime(pid) ?? TimeSpan.Zero));
        var (h0, e0, s0) = (Sum(workers), Sum(echoes), Sum(silos));
        var clock = Stopwatch.StartNew();
        return () =>
        {
            var seconds = clock.Elapsed.TotalSeconds;
            return new IdleCost(
                (Sum(workers) - h0).TotalSeconds / seconds,
                (Sum(echoes) - e0).TotalSeconds / seconds,
                (Sum(silos) - s0).TotalSeconds / seconds,
                clock.Elapsed);
        };
    }

    /// <summary>Starts every release at once, then waits until each has finished (or the bench's timeout passes).</summary>
    private static async Task<ScaleResult> ReleaseAsync(IClusterClient client, HashSet<int> released, ScaleResult result, CancellationToken cancellationToken)
    {
        var options = result.Options;
        var clock = Stopwatch.StartNew();
        var started = await Task.WhenAll(released.Select(async i =>
        {
            try
            {
                return (Service: i, Record: await client.GetGrain<IServiceGrain>(ScaleFleet.ServiceName(i)).ReleaseAsync(ScaleFleet.GreenVersion, DeploymentOptions.Default), Error: (string?)null);
            }
            catch (Exception e) when (e is BlueGreenException or TimeoutException or OrleansException)
            {
                return (Service: i, Record: (DeploymentRecord?)null, Error: (string?)e.Message);
            }
        }));
        var accepted = clock.Elapsed;
        Console.WriteLine($"{started.Count(s => s.Record is not null)}/{released.Count} releases accepted in {accepted.TotalSeconds:0.00} s");

        var records = new ConcurrentDictionary<int, DeploymentRecord>();
        var startErrors = started.Where(s => s.Error is not null).ToDictionary(s => s.Service, s => s.Error!);
        var pending = started.Where(s => s.Record is not null).ToDictionary(s => s.Service, s => s.Record!.Id);
        while (pending.Count > 0 && clock.Elapsed < options.ReleaseTimeout)
        {
            await Task.Delay(250, cancellationToken);
            var polled = await Task.WhenAll(pending.Select(async p => (p.Key, Record: await client.GetGrain<IServiceGrain>(ScaleFleet.ServiceName(p.Key)).GetDeploymentAsync(p.Value))));
            foreach (var (service, record) in polled.Where(p => p.Record is { IsFinished: true }))
            {
                records[service] = record!;
                pending.Remove(service);
            }

            if (polled.Length != pending.Count)
            {
                Console.WriteLine($"  {records.Count}/{released.Count} finished ({clock.Elapsed.TotalSeconds:0.0} s)");
            }
        }

        var wall = clock.Elapsed;
        foreach (var service in pending.Keys)
        {
            startErrors[service] = $"not finished after {options.ReleaseTimeout}";
        }

        Console.WriteLine($"releases done: {records.Count(r => r.Value.Outcome == DeploymentOutcome.Succeeded)} succeeded of {released.Count} in {wall.TotalSeconds:0.0} s");
        return result with { ReleasesAccepted = accepted, ReleasesWall = wall, Records = records.ToDictionary(), ReleaseErrors = startErrors };
    }

    /// <summary>One <c>show map</c> per proxy, the proxy grains' desired routes, every service grain and every release record.</summary>
    private static async Task<ScaleResult> VerifyAsync(ScaleFleet fleet, IClusterClient client, HashSet<int> released, ScaleResult result, CancellationToken cancellationToken)
    {
        var options = result.Options;
        var check = new ConsistencyCheck(options.Services, released, options.Proxies);
        for (var i = 0; i < fleet.Proxies.Count; i++)
        {
            await using var admin = fleet.Proxies[i].CreateClient();
            check.CheckMap(ScaleFleet.ProxyId(i), await admin.ShowMapAsync(fleet.Proxies[i].MapFile, cancellationToken));
        }

        foreach (var status in await Task.WhenAll(Enumerable.Range(0, options.Proxies).Select(i => client.GetGrain<IProxyGrain>(ScaleFleet.ProxyId(i)).GetStatusAsync())))
        {
            check.CheckProxyGrain(status);
        }

        foreach (var (service, error) in result.ReleaseErrors)
        {
            check.Problem($"{ScaleFleet.ServiceName(service)}: {error}");
        }

        foreach (var service in released.Where(s => !result.ReleaseErrors.ContainsKey(s)))
        {
            check.CheckRecord(service, result.Records.GetValueOrDefault(service));
        }

        var infos = await Task.WhenAll(Enumerable.Range(0, options.Services).Select(i => client.GetGrain<IServiceGrain>(ScaleFleet.ServiceName(i)).GetAsync()));
        for (var i = 0; i < options.Services; i++)
        {
            check.CheckService(i, infos[i], result.Records.GetValueOrDefault(i)?.Id);
        }

        Console.WriteLine($"consistency: {check.Problems.Count} problems");
        return result with { Consistency = check };
    }

    private static async Task<RedisFigures?> ReadRedisAsync(string connectionString)
    {
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
            var server = redis.GetServers()[0];
            var memory = (await server.InfoAsync("memory")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return new RedisFigures(
                long.Parse(memory.GetValueOrDefault("used_memory_peak", "0"), System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0,
                await server.DatabaseSizeAsync());
        }
        catch (RedisException e)
        {
            Console.Error.WriteLine($"redis INFO failed: {e.Message}");
            return null;
        }
    }
}
