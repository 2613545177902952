using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>
/// A real fleet for the load proof: N haproxy processes, each on its own 127.0.0.x address, a bluegreen-server
/// (embedded mode) with the proxies registered, and service <c>web</c> applied with echo processes as instances, blue
/// running version 1. Everything it started is stopped by PID on dispose, the instances the server started included.
/// </summary>
internal sealed class LoadFleet : IAsyncDisposable
{
    public const string Service = "web";

    public const string Host = "web.local";

    private static readonly TimeSpan DeploymentDeadline = TimeSpan.FromMinutes(2);

    private readonly TempFolder _folder = new("loadproof");
    private readonly List<HaProxyInstance> _proxies = [];
    private readonly ProcessInstanceRuntime _runtime;
    private readonly ServerProcess _server;

    private LoadFleet()
    {
        var data = _folder.File("data");
        // The folder the server's process runtime keeps its instances in: blue's first instance is started there, so
        // the server finds it, and so the instances the server starts can be removed here after it was killed.
        _runtime = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(data, "instances"), StopTimeout = TimeSpan.FromSeconds(5) });
        _server = new ServerProcess(data);
    }

    public IReadOnlyList<Uri> Frontends => [.. _proxies.Select(p => p.FrontendUrl)];

    public static async Task<LoadFleet> StartAsync(int proxies, CancellationToken cancellationToken)
    {
        var fleet = new LoadFleet();
        try
        {
            await fleet.SetUpAsync(proxies, cancellationToken);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Release of version 2 (to green), promote (green's version to blue), rollback (back to green), back to back.</summary>
    public async Task<IReadOnlyList<DeploymentTiming>> RunDeploymentsAsync(CancellationToken cancellationToken)
    {
        var service = _server.Client.GetGrain<IServiceGrain>(Service);
        var steps = new (DeploymentKind Kind, Func<Task<DeploymentRecord>> Start)[]
        {
            (DeploymentKind.Release, () => service.ReleaseAsync("2", DeploymentOptions.Default)),
            (DeploymentKind.Promote, () => service.PromoteAsync(DeploymentOptions.Default)),
            (DeploymentKind.Rollback, () => service.RollbackAsync(DeploymentOptions.Default)),
        };
        var timings = new List<DeploymentTiming>();
        foreach (var (kind, start) in steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var started = await start();
                var done = await Eventually.UntilAsync(
                    () => service.GetDeploymentAsync(started.Id), d => d is { IsFinished: true }, DeploymentDeadline, $"{kind} {started.Id} to finish");
                timings.Add(DeploymentTiming.Of(done!));
            }
            catch (Exception e) when (e is BlueGreenException or TimeoutException)
            {
                timings.Add(DeploymentTiming.NotRun(kind, e.Message));
            }

            if (!timings[^1].Succeeded)
            {
                // The next one would start from a state the scenario did not mean: the claim has failed already.
                break;
            }
        }

        return timings;
    }

    /// <summary>The backend each proxy routes the service's host to right now, read from haproxy itself.</summary>
    public async Task<IReadOnlyList<string?>> RoutesAsync(CancellationToken cancellationToken)
    {
        var routes = new List<string?>();
        foreach (var proxy in _proxies)
        {
            await using var client = proxy.CreateClient();
            routes.Add(await client.GetMapAsync(proxy.MapFile, Host, cancellationToken));
        }

        return routes;
    }

    /// <summary>Keeps what explains a failed scenario: the server's output and the instances' logs, copied to <paramref name="folder"/>.</summary>
    public async Task SaveDiagnosticsAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "bluegreen-server.log"), _server.Output, cancellationToken);
        var instances = Path.Combine(_server.DataDirectory, "instances");
        if (Directory.Exists(instances))
        {
            foreach (var log in Directory.GetFiles(instances, "*.log"))
            {
                File.Copy(log, Path.Combine(folder, Path.GetFileName(log)), overwrite: true);
            }
        }

        var history = await _server.Client.GetGrain<IServiceGrain>(Service).ListDeploymentsAsync();
        await File.WriteAllLinesAsync(
            Path.Combine(folder, "deployments.txt"),
            history.SelectMany(d => d.Events.Select(e => $"#{d.Id} {e.At:HH:mm:ss.fff} {e.Step} {e.ProxyId} {e.Message}").Prepend(d.ToString())),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.KillAsync();
        foreach (var name in new[] { InstanceName(Colour.Blue), InstanceName(Colour.Green) })
        {
            await _runtime.RemoveAsync(name);
        }

        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }

        _runtime.Dispose();
        _folder.Dispose();
    }

    private static string InstanceName(Colour colour) => $"{Service}-{colour.Name()}-s1";

    private async Task SetUpAsync(int proxies, CancellationToken cancellationToken)
    {
        var blue = new InstanceSlot("s1", "127.0.0.1", Loopback.FreePort());
        var green = new InstanceSlot("s1", "127.0.0.1", Loopback.FreePort());
        var backends = new ServiceBackends
        {
            Name = Service,
            Blue = [new BackendServer(blue.Server, blue.Address, blue.Port)],
            Green = [new BackendServer(green.Server, green.Address, green.Port)],
            // The product's default checks (inter 1 s, fall 2), not the tests' TestChecks.Fast: with a 200 ms check
            // timeout and fall 1, a saturated 2-core machine marks a healthy echo DOWN (L7TOUT) in the middle of a drain.
            Check = new HealthCheck(),
        };
        var blueBackend = Colour.Blue.Backend(Service);
        for (var i = 0; i < proxies; i++)
        {
            _proxies.Add(await HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = blueBackend }, cancellationToken: cancellationToken));
        }

        // Blue version 1 runs before the orchestrator takes over, as in the recipe (the spec says LiveVersion 1).
        await _runtime.StartAsync(
            new InstanceSpec
            {
                Name = InstanceName(Colour.Blue),
                Command = EchoInstance.Dotnet,
                Arguments = [.. EchoInstance.TemplateArguments.Select(a => Fill(a, blue, Colour.Blue, "1"))],
                Address = blue.Address,
                Port = blue.Port,
            },
            cancellationToken);

        await _server.StartAsync();
        for (var i = 0; i < _proxies.Count; i++)
        {
            await _server.Client.GetGrain<IProxyGrain>(ProxyId(i)).RegisterAsync(new ProxyRegistration { RuntimeApi = _proxies[i].RuntimeApi.ToString(), MapFile = _proxies[i].MapFile });
        }

        var colour = new ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet, Arguments = [.. EchoInstance.TemplateArguments] };
        await _server.Client.GetGrain<IServiceGrain>(Service).ApplyAsync(new ServiceSpec
        {
            Name = Service,
            RouteKey = Host,
            Proxies = [.. Enumerable.Range(0, proxies).Select(ProxyId)],
            Blue = colour with { Instances = [blue] },
            Green = colour with { Instances = [green] },
            HealthTimeout = TimeSpan.FromSeconds(30),
            DrainTimeout = TimeSpan.FromSeconds(30),
            StopTimeout = TimeSpan.FromSeconds(5),
            LiveVersion = "1",
        });

        // Load starts only once every frontend serves blue: a 503 before that would be the bench's fault, not a deployment's.
        foreach (var proxy in _proxies)
        {
            using var http = new FrontendClient(proxy.FrontendUrl, TimeSpan.FromSeconds(2));
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        return (await http.GetAsync(Host, cancellationToken: cancellationToken)).Echo?.Colour;
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                c => c == "blue",
                TimeSpan.FromSeconds(30),
                $"blue behind {proxy.FrontendUrl}");
        }
    }

    private static string ProxyId(int index) => $"edge-{index.ToString(CultureInfo.InvariantCulture)}";

    private static string Fill(string argument, InstanceSlot slot, Colour colour, string version) => argument
        .Replace("{address}", slot.Address, StringComparison.Ordinal)
        .Replace("{port}", slot.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{colour}", colour.Name(), StringComparison.Ordinal)
        .Replace("{version}", version, StringComparison.Ordinal);
}
