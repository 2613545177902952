using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Harness.Load;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>How a <see cref="FaultStage"/> is built.</summary>
public sealed record FaultStageOptions
{
    public int Proxies { get; init; } = 3;

    /// <summary>Registers every proxy through a <see cref="RuntimeApiRelay"/>, so a fault can be timed on a command.</summary>
    public bool Relayed { get; init; }

    /// <summary>Registers every proxy with its master CLI socket, so drains count old workers after a reload.</summary>
    public bool MasterApi { get; init; } = true;

    /// <summary>1: one embedded server (SQLite). More: silos in cluster mode over a real redis-server.</summary>
    public int Silos { get; init; } = 1;

    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan KeepWarm { get; init; }

    /// <summary>How long an instance's command sleeps before it execs the echo server (a slow-starting app).</summary>
    public TimeSpan StartDelay { get; init; }

    /// <summary>
    /// Every proxy in agent mode: its haproxy has a unix Runtime API only (no TCP stats socket at all) and a real
    /// bluegreen-agent beside it dials the gateway; the server's configuration names neither socket nor map file.
    /// </summary>
    public bool Agents { get; init; }

    /// <summary>gRPC gateways as processes of their own (role Gateway, cluster mode over redis); agents dial the first.</summary>
    public int Gateways { get; init; }

    /// <summary>More of the servers' configuration (e.g. <c>--BlueGreen:Hooks:SecretsFolder</c>), as command-line arguments.</summary>
    public IReadOnlyList<string> ServerArguments { get; init; } = [];
}

/// <summary>
/// The stage every fault case plays on: N real haproxy processes on their own 127.0.0.x addresses (optionally behind
/// relays), a real bluegreen-server (or several silos over redis), the service <c>web</c> whose blue v1 already runs
/// as a process instance, and helpers to drive load, follow a deployment and read every proxy's map. Every process is
/// stopped by PID on dispose. Shared with the soak bench (linked into bench/BlueGreen.Orleans.Bench).
/// </summary>
public sealed partial class FaultStage : IAsyncDisposable
{
    public const string Host = "web.local";
    public const string Service = "web";
    public const string BlueInstance = "web-blue-s1";
    public const string GreenInstance = "web-green-s1";

    /// <summary>
    /// Fast to see a new instance UP (100 ms while DOWN, rise 2), but a check may take up to 1 s and it takes two
    /// failures to go DOWN: on this shared 2-core machine a server restart starves the echo processes for a few hundred
    /// ms, and TestChecks.Fast (200 ms check timeout, fall 1) then marks a healthy live colour DOWN — a 503 storm
    /// that is the check settings' doing, not the orchestrator's.
    /// </summary>
    public static readonly HealthCheck Checks = new() { DownInterval = TimeSpan.FromMilliseconds(100) };

    private readonly TempFolder _folder;
    private readonly List<LoadGenerator> _loads = [];
    private RedisServer? _redis;

    private FaultStage(FaultStageOptions options, TempFolder folder)
    {
        Options = options;
        _folder = folder;
        DataDirectory = folder.File("data");
        // Same folder as the server's process runtime: pid files are the truth, so this runtime can stop what the
        // server started (cleanup, checks that a colour was really retired).
        Runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions
        {
            StateDirectory = Path.Combine(DataDirectory, "instances"),
            StopTimeout = TimeSpan.FromSeconds(3),
        });
    }

    public FaultStageOptions Options { get; }

    public string DataDirectory { get; }

    public List<HaProxyInstance> Proxies { get; } = [];

    /// <summary>One per proxy when <see cref="FaultStageOptions.Relayed"/>, else empty.</summary>
    public List<RuntimeApiRelay> Relays { get; } = [];

    public List<ServerProcess> Servers { get; } = [];

    /// <summary>The gateway processes of their own (<see cref="FaultStageOptions.Gateways"/>), else empty.</summary>
    public List<ServerProcess> Gateways { get; } = [];

    /// <summary>The process serving gRPC to agents and the CLI: the first gateway of its own, or the first server.</summary>
    public ServerProcess GrpcServer => Gateways.Count > 0 ? Gateways[0] : Server;

    public ProcessInstanceRuntime Runtime { get; }

    public ServiceSpec Spec { get; private set; } = null!;

    public int BluePort { get; private set; }

    public int GreenPort { get; private set; }

    /// <summary>An Orleans client of a server that is running (the first one alive).</summary>
    public IClusterClient Client => Servers.First(s => s.Pid is not null).Client;

    public IServiceGrain ServiceGrain => Client.GetGrain<IServiceGrain>(Service);

    public ServerProcess Server => Servers[0];

    public static string ProxyId(int index) => $"edge-{index}";

    public static async Task<FaultStage> StartAsync(FaultStageOptions? options = null)
    {
        options ??= new FaultStageOptions();
        var stage = new FaultStage(options, new TempFolder("faults"));
        try
        {
            await stage.SetUpAsync();
            return stage;
        }
        catch
        {
            await stage.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync()
    {
        BluePort = Loopback.FreePort();
        GreenPort = Loopback.FreePort();
        var backends = new ServiceBackends
        {
            Name = Service,
            Blue = [new BackendServer("s1", "127.0.0.1", BluePort)],
            Green = [new BackendServer("s1", "127.0.0.1", GreenPort)],
            Check = Checks,
        };
        var routes = new Dictionary<string, string> { [Host] = "web_blue" };
        var starting = Enumerable.Range(0, Options.Proxies).Select(_ => HaProxyInstance.StartAsync([backends], routes, unixSocket: Options.Agents)).ToList();
        var blue = StartBlueAsync();
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            Proxies.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }

        if (Options.Relayed)
        {
            foreach (var proxy in Proxies)
            {
                var api = proxy.RuntimeApi;
                Relays.Add(RuntimeApiRelay.Start(proxy.Address, api.Host!, api.Port));
            }
        }

        var cluster = Options.Silos > 1 || Options.Gateways > 0;
        if (cluster)
        {
            _redis = await RedisServer.StartAsync();
        }

        var clusterId = $"c{Guid.NewGuid():N}";
        for (var i = 0; i < Options.Silos; i++)
        {
            // Silos of one host share the process runtime's state folder: any of them can stop what another started.
            // A slow start is a shell that sleeps, then execs the echo server: that stage's specs run /bin/sh too.
            Servers.Add(new ServerProcess(
                DataDirectory,
                _redis?.ConnectionString,
                clusterId,
                role: cluster ? "Silo" : "All",
                extraArguments: Options.ServerArguments,
                processCommands: Options.StartDelay > TimeSpan.Zero ? [EchoInstance.Dotnet, "/bin/sh"] : [EchoInstance.Dotnet]));
        }

        await Task.WhenAll(Servers.Select(s => s.StartAsync()).Append(blue));
        for (var i = 0; i < Options.Gateways; i++)
        {
            Gateways.Add(new ServerProcess(_folder.File($"gateway-{i}"), _redis!.ConnectionString, clusterId, role: "Gateway"));
            await Gateways[i].StartAsync();
        }

        for (var i = 0; i < Proxies.Count && Options.Agents; i++)
        {
            await StartAgentAsync(i);
        }

        await WaitAgentsAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < Proxies.Count && !Options.Agents; i++)
        {
            await Client.GetGrain<IProxyGrain>(ProxyId(i)).RegisterAsync(new ProxyRegistration
            {
                RuntimeApi = Options.Relayed ? Relays[i].RuntimeApi : Proxies[i].RuntimeApi.ToString(),
                MapFile = Proxies[i].MapFile,
                MasterApi = Options.MasterApi ? Proxies[i].MasterApi.ToString() : null,
            });
        }

        Spec = BuildSpec();
        await ServiceGrain.ApplyAsync(Spec);
    }

    private ServiceSpec BuildSpec()
    {
        ColourSpec Colour(int port) => Options.StartDelay > TimeSpan.Zero
            ? new ColourSpec
            {
                Runtime = "process",
                Command = "/bin/sh",
                // A slow app: the shell sleeps, then becomes the echo server (exec keeps the pid the runtime recorded).
                Arguments = ["-c", string.Create(CultureInfo.InvariantCulture, $"sleep {Options.StartDelay.TotalSeconds:0.###}; exec \"$0\" \"$@\""), "dotnet", .. EchoInstance.TemplateArguments],
                Instances = [new InstanceSlot("s1", "127.0.0.1", port)],
            }
            : new ColourSpec
            {
                Runtime = "process",
                Command = EchoInstance.Dotnet,
                Arguments = [.. EchoInstance.TemplateArguments],
                Instances = [new InstanceSlot("s1", "127.0.0.1", port)],
            };

        return new ServiceSpec
        {
            Name = Service,
            RouteKey = Host,
            Proxies = Enumerable.Range(0, Options.Proxies).Select(ProxyId).ToImmutableList(),
            Blue = Colour(BluePort),
            Green = Colour(GreenPort),
            HealthTimeout = Options.HealthTimeout,
            DrainTimeout = Options.DrainTimeout,
            StopTimeout = Options.StopTimeout,
            KeepWarm = Options.KeepWarm,
            LiveVersion = "1",
        };
    }

    /// <summary>Blue v1 runs before the server takes over, under the name the server's process runtime looks for.</summary>
    private Task StartBlueAsync() => StartInstanceAsync(BlueInstance, "blue", BluePort, "1");

    /// <summary>Starts an echo instance under the runtime's name for a colour, as the server would.</summary>
    public async Task StartInstanceAsync(string name, string colour, int port, string version)
    {
        await Runtime.StartAsync(new InstanceSpec
        {
            Name = name,
            Command = EchoInstance.Dotnet,
            Arguments = [EchoInstance.DllPath, "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--colour", colour, "--version", version],
            Address = "127.0.0.1",
            Port = port,
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
                    return response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            ok => ok, TimeSpan.FromSeconds(30), $"{name} answering on {port}");
    }

    /// <summary>
    /// Closed-loop load through the given proxies' frontends (default: all): <paramref name="clients"/> fast clients,
    /// plus <paramref name="slowClients"/> whose requests each stay <paramref name="slowDelay"/> at the backend, so
    /// the old colour always has requests in flight at the switch (a Drain that takes time).
    /// </summary>
    public (LoadGenerator Fast, LoadGenerator? Slow) StartLoad(int clients = 20, int slowClients = 0, TimeSpan slowDelay = default, IEnumerable<HaProxyInstance>? through = null)
    {
        var frontends = (through ?? Proxies).Select(p => p.FrontendUrl).ToList();
        // 5 ms of think time: thousands of requests per case, without starving the shared machine's 2 cores.
        var fast = LoadGenerator.Start(frontends, new LoadOptions(Host, clients, Pause: TimeSpan.FromMilliseconds(5)));
        _loads.Add(fast);
        LoadGenerator? slow = null;
        if (slowClients > 0)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"/?delay_ms={(int)slowDelay.TotalMilliseconds}");
            slow = LoadGenerator.Start(frontends, new LoadOptions(Host, slowClients, path));
            _loads.Add(slow);
        }

        return (fast, slow);
    }

    /// <summary>What each proxy's live worker routes the host to (<c>get map</c> on a fresh connection), by proxy id.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> ReadRoutesAsync()
    {
        var reads = Proxies.Select(async (proxy, i) =>
        {
            try
            {
                await using var client = proxy.CreateClient(new HaProxyRuntimeOptions { CommandTimeout = TimeSpan.FromSeconds(3) });
                return (ProxyId(i), await client.GetMapAsync(proxy.MapFile, Host));
            }
            catch (Exception e) when (e is HaProxyConnectionException or HaProxyTimeoutException or HaProxyCommandException)
            {
                return (ProxyId(i), (string?)$"unreachable: {e.Message}");
            }
        });
        return (await Task.WhenAll(reads)).ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>Waits until every proxy routes to <paramref name="backend"/>; returns how long that took.</summary>
    public async Task<TimeSpan> WaitRoutesAsync(string backend, TimeSpan timeout)
    {
        var started = DateTime.UtcNow;
        await Eventually.UntilAsync(
            async () => new RouteReading(await ReadRoutesAsync()), r => r.Routes.Values.All(v => v == backend), timeout, $"every proxy on {backend}");
        return DateTime.UtcNow - started;
    }

    /// <summary>The deployment as the cluster has it now; null while no silo answers (a crash, a failover).</summary>
    public async Task<DeploymentRecord?> TryGetDeploymentAsync(long id)
    {
        try
        {
            return await ServiceGrain.GetDeploymentAsync(id).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Silo unavailable or declared dead, no gateway yet, a timeout: ask again.
            return null;
        }
    }

    /// <summary>Polls the deployment every 20 ms until <paramref name="done"/> holds (or it finished).</summary>
    public async Task<DeploymentRecord> WaitForAsync(long id, Func<DeploymentRecord, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        DeploymentRecord? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await TryGetDeploymentAsync(id) ?? last;
            if (last is not null && (done(last) || last.IsFinished))
            {
                return last;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; last seen: {last}");
    }

    public Task<DeploymentRecord> WaitFinishedAsync(long id, TimeSpan timeout) =>
        WaitForAsync(id, d => d.IsFinished, timeout, $"deployment {id} to finish");

    /// <summary>
    /// What is wrong with a finished deployment's record (empty: nothing): a terminal outcome, an end time, and an
    /// event for every step it must have gone through.
    /// </summary>
    public static List<string> RecordProblems(DeploymentRecord d, params DeploymentStep[] steps)
    {
        var problems = new List<string>();
        if (!d.IsFinished || d.Step != DeploymentStep.Done || d.FinishedAt is null)
        {
            problems.Add($"not finished: step {d.Step}, outcome {d.Outcome}, finished at {d.FinishedAt}");
        }

        var seen = d.Events.Select(e => e.Step).ToHashSet();
        foreach (var step in steps.Where(s => !seen.Contains(s)))
        {
            problems.Add($"no event of step {step}");
        }

        if (d.Events.Select(e => e.Sequence).Zip(d.Events.Skip(1).Select(e => e.Sequence)).Any(p => p.Second != p.First + 1))
        {
            problems.Add("event sequence has gaps");
        }

        return problems;
    }

    /// <summary>Whether the process runtime's record says the instance runs (null: no record at all).</summary>
    public async Task<bool?> IsRunningAsync(string instance) => (await Runtime.InspectAsync(instance))?.Running;

    /// <summary>
    /// kill -9 of a server by its PID, at once (the harness's KillAsync first stops its client gracefully, which would
    /// let the step run on meanwhile); then the harness reaps it.
    /// </summary>
    public static async Task KillNowAsync(ServerProcess server)
    {
        if (server.Pid is { } pid)
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: false);
        }

        await server.KillAsync();
    }

    /// <summary>The step a server resumed deployment <paramref name="id"/> at, from its log; null when it did not.</summary>
    /// <summary>
    /// <see cref="ResumedStep"/>, waiting up to <paramref name="timeout"/> for the line: a silo that just lost its peer
    /// logs pages of connection retries, and its console logger writes them behind the grain's own lines.
    /// </summary>
    public static async Task<DeploymentStep?> WaitResumedStepAsync(ServerProcess server, long id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (ResumedStep(server, id) is not null || DateTime.UtcNow > deadline)
            {
                return ResumedStep(server, id);
            }

            await Task.Delay(100);
        }
    }

    public static DeploymentStep? ResumedStep(ServerProcess server, long id)
    {
        var marker = $"resuming deployment {id} (";
        var output = server.Output;
        var at = output.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = output.IndexOf(')', at);
        var parts = output[(at + marker.Length)..end].Split(", ");
        return parts.Length >= 3 && Enum.TryParse<DeploymentStep>(parts[^2], out var step) ? step : null;
    }

    /// <summary>The CLI's connection options for the first server (admin token).</summary>
    public string[] CliServer() => ["--server", $"http://127.0.0.1:{Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    /// <summary>Sessions to a backend on a proxy's live worker (<c>scur</c>, fresh connection).</summary>
    public static async Task<long> LiveSessionsAsync(HaProxyInstance proxy, string backend)
    {
        await using var client = proxy.CreateClient();
        return (await client.ShowServerStatsAsync(backend)).Sum(r => r.CurrentSessions);
    }

    /// <summary>The worker pid of a proxy now (<c>show info</c> on a fresh connection).</summary>
    public static async Task<int> WorkerPidAsync(HaProxyInstance proxy)
    {
        await using var client = proxy.CreateClient();
        return (await client.ShowInfoAsync()).Pid;
    }

    public async Task StopLoadsAsync()
    {
        foreach (var load in _loads)
        {
            await load.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoadsAsync();
        await StopAgentsAsync();
        foreach (var server in Gateways.Concat(Servers))
        {
            await server.KillAsync();
        }

        foreach (var proxy in Proxies)
        {
            // SIGKILL by PID, frozen (SIGSTOP) workers included.
            await proxy.DisposeAsync();
        }

        foreach (var relay in Relays)
        {
            await relay.DisposeAsync();
        }

        foreach (var name in new[] { BlueInstance, GreenInstance })
        {
            try
            {
                await Runtime.RemoveAsync(name);
            }
            catch (InstanceRuntimeException)
            {
            }
        }

        Runtime.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        foreach (var load in _loads)
        {
            await load.DisposeAsync();
        }

        _folder.Dispose();
    }
}

/// <summary>What each proxy's <c>show map</c> said, printable in a timeout message.</summary>
internal sealed record RouteReading(IReadOnlyDictionary<string, string?> Routes)
{
    public override string ToString() => string.Join(", ", Routes.Select(r => $"{r.Key}={r.Value ?? "(none)"}"));
}
