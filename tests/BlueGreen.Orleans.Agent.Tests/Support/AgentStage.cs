using System.Diagnostics;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Agent.Tests.Support;

/// <summary>
/// One proxy "host": blue and green echo processes, one haproxy with a unix Runtime API only (no TCP socket) routing
/// <see cref="Host"/> to blue, and a state folder for an agent. Everything is stopped by PID on dispose, also when a
/// test fails.
/// </summary>
internal sealed class AgentStage : IAsyncDisposable
{
    public const string Host = "web.local";
    public const string Service = "web";

    private readonly TempFolder _folder = new("agent");

    private AgentStage(EchoInstance blue, EchoInstance green, HaProxyInstance proxy)
    {
        Blue = blue;
        Green = green;
        Proxy = proxy;
        Client = proxy.CreateClient();
        CredentialFile = _folder.File("credential");
        File.WriteAllText(CredentialFile, "agent-test-credential\n");
        // Nothing listens there (the port is reserved for this test process): the control plane is down.
        UnreachableServer = $"https://127.0.0.1:{Loopback.FreePort()}";
    }

    public EchoInstance Blue { get; }

    public EchoInstance Green { get; }

    public HaProxyInstance Proxy { get; }

    public HaProxyRuntimeClient Client { get; }

    public string StateDirectory => _folder.File("state");

    public string CredentialFile { get; }

    public string UnreachableServer { get; }

    public static string BlueBackend => Colour.Blue.Backend(Service);

    public static string GreenBackend => Colour.Green.Backend(Service);

    public static async Task<AgentStage> StartAsync()
    {
        var owned = new List<IAsyncDisposable>();
        try
        {
            var blue = await EchoInstance.StartAsync("blue", "1");
            owned.Add(blue);
            var green = await EchoInstance.StartAsync("green", "2");
            owned.Add(green);
            var service = new ServiceBackends
            {
                Name = Service,
                Blue = [blue.AsServer("s1")],
                Green = [green.AsServer("s1")],
                Check = TestChecks.Fast with { Rise = 1 },
            };
            var proxy = await HaProxyInstance.StartAsync([service], new Dictionary<string, string> { [Host] = BlueBackend }, unixSocket: true);
            owned.Add(proxy);
            var stage = new AgentStage(blue, green, proxy);
            await stage.WaitUpAsync(BlueBackend);
            await stage.WaitUpAsync(GreenBackend);
            return stage;
        }
        catch
        {
            foreach (var item in owned)
            {
                await item.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The agent's command line for this stage.</summary>
    public IReadOnlyList<string> AgentArguments(string tick = "100ms") => AgentArguments("edge-1", UnreachableServer, CredentialFile, tick);

    /// <summary>The agent's command line for this stage, for a given proxy, control plane and credential.</summary>
    public IReadOnlyList<string> AgentArguments(string proxyId, string server, string credentialFile, string tick = "100ms") =>
    [
        "--proxy-id", proxyId,
        "--server", server,
        "--credential-file", credentialFile,
        "--runtime-api", Proxy.RuntimeApi.ToString(),
        "--map-file", Proxy.MapFile,
        "--state-dir", StateDirectory,
        "--tick", tick,
        "--master-api", Proxy.MasterApi.ToString(),
    ];

    public RouteStateStore Store() => new(StateDirectory, TimeProvider.System);

    /// <summary>The colour a fresh connection through the frontend lands on (a new client: no connection to an old worker).</summary>
    public async Task<string?> ColourAsync()
    {
        using var http = new FrontendClient(Proxy.FrontendUrl, TimeSpan.FromSeconds(2));
        try
        {
            return (await http.GetAsync(Host)).Echo?.Colour;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<string?> RuntimeRouteAsync()
    {
        try
        {
            return await Client.GetMapAsync(Proxy.MapFile, Host);
        }
        catch (Exception e) when (e is HaProxyConnectionException or HaProxyTimeoutException)
        {
            return null;
        }
    }

    public async Task<string?> FileRouteAsync() =>
        (await MapFile.ReadAsync(Proxy.MapFile)).FirstOrDefault(e => e.Key == Host)?.Value;

    /// <summary>
    /// Puts the map file back to blue behind the agent's back, as a configuration-management run or a package upgrade
    /// restoring the shipped file would: the next reload or restart then loads blue, and only a re-apply brings the
    /// desired route back.
    /// </summary>
    public Task ResetMapFileToBlueAsync() => MapFile.WriteAsync(Proxy.MapFile, [new MapEntry(Host, BlueBackend)]);

    /// <summary>
    /// Puts the map file back to blue, runs <paramref name="change"/> (a reload or a restart of HAProxy, whose new worker
    /// then loads blue) and returns how long after it the agent had green back (<see cref="WaitGreenAsync"/>).
    /// </summary>
    public async Task<TimeSpan> TimeReapplyAfterAsync(AgentProcess agent, Func<Task> change, string what)
    {
        await ResetMapFileToBlueAsync();
        await change();
        var changed = Stopwatch.StartNew();
        await WaitGreenAsync(agent, what);
        return changed.Elapsed;
    }

    /// <summary>Waits until the agent put the runtime map on green and traffic lands there; on timeout, says what the agent printed.</summary>
    public async Task WaitGreenAsync(AgentProcess agent, string what)
    {
        try
        {
            await Eventually.UntilAsync(RuntimeRouteAsync, route => route == GreenBackend, TimeSpan.FromSeconds(20), $"{what}: the runtime route");
            await Eventually.UntilAsync(ColourAsync, colour => colour == "green", TimeSpan.FromSeconds(5), $"{what}: traffic on green");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nagent output:\n{agent.Output}", e);
        }
    }

    private async Task WaitUpAsync(string backend) =>
        await Eventually.UntilAsync(
            async () => await Client.ShowServerStatsAsync(backend),
            // UP from a check that ran: HAProxy shows a server UP before its first check (check status INI), and that
            // first result would then show as a change in the next read.
            rows => rows.Count > 0 && rows.All(r => r.IsUp && r.CheckStatus is not ("" or "INI")),
            TimeSpan.FromSeconds(15),
            $"{backend} UP after a check");

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Proxy.DisposeAsync();
        await Blue.DisposeAsync();
        await Green.DisposeAsync();
        _folder.Dispose();
    }
}
