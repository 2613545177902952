using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Harness.Load;
using BlueGreen.Orleans.Testing;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The analysis after the switch, end to end through the CLI: a real server, three real haproxy processes and real
/// echo instances under load. A new colour that answers slower than the spec's max_response_time rolls back, naming
/// the figure and a proxy, with every proxy back on blue and the figures in the record; a good one keeps them too.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync, which releases both.")]
[Collection(UnderLoad.Name)]
public sealed class AnalysisTests : IAsyncLifetime
{
    private const string Service = "shop";
    private ServerFleet _fleet = null!;
    private GrpcChannel _channel = null!;
    private TempFolder _folder = null!;

    private string[] Server => ["--server", $"http://127.0.0.1:{_fleet.Server.GrpcPort}", "--token", ServerProcess.AdminToken];

    public async Task InitializeAsync()
    {
        _folder = new TempFolder("analysis");
        // Three failed checks before DOWN, not one: on a loaded machine one slow /healthz would take a colour out for a
        // moment and its requests would get HAProxy's own 503, which this test would count as failed.
        _fleet = await ServerFleet.StartAsync("analysis", [Service], TestChecks.Fast with { Fall = 3 }, proxies: 3);
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_fleet.Server.GrpcPort}");
        await FleetProxies.RegisterAsync(_channel, _fleet);

        await _fleet.StartBlueAsync(Service);
        var (blue, green) = _fleet.Ports[Service];
        var spec = _folder.File("shop.yaml");
        await File.WriteAllTextAsync(spec, string.Create(CultureInfo.InvariantCulture, $$"""
            name: shop
            route_key: shop.local
            proxies: [edge-0, edge-1, edge-2]
            live_version: "1"
            health_timeout: 60s
            drain_timeout: 1s
            verify_window: 8s
            max_response_time: 150ms
            blue:
              runtime: external
              instances: [{ server: s1, address: 127.0.0.1, port: {{blue}} }]
            green:
              runtime: external
              instances: [{ server: s1, address: 127.0.0.1, port: {{green}} }]
            """));
        var apply = await CliRun.RunAsync(["service", "apply", "-f", spec, .. Server]);
        Assert.True(apply.Exit == ExitCodes.Ok, apply.Output);

        // Before any load: a request before blue's checks passed on a proxy would be HAProxy's own 503, not the release's.
        await FleetProxies.EveryProxyAsync(_fleet, $"{Service}.local", new Dictionary<string, string>(), r => r.Echo?.Colour == "blue", "shop on blue");
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }

        _folder?.Dispose();
    }

    [Fact]
    public async Task Release_NewColourSlowerThanTheLimit_RolledBackNamingResponseTimeAndTheProxy_ThenAFastOneSucceeds()
    {
        var frontends = _fleet.Proxies.Select(p => p.FrontendUrl).ToList();

        await using (await EchoInstance.StartAsync("green", "2", port: _fleet.Ports[Service].Green, delay: TimeSpan.FromMilliseconds(400)))
        {
            await using var load = LoadGenerator.Start(frontends, new LoadOptions($"{Service}.local", Clients: 6));
            var release = await CliRun.RunAsync(["release", Service, "--version", "2", .. Server]);
            var result = await load.StopAsync();

            Assert.True(release.Exit == ExitCodes.RolledBack, release.Output);
            Assert.True(Regex.IsMatch(release.Output, @"response time \d+ ms over \d+ responses (on edge-\d \(limit 150 ms; HAProxy's rtime of shop_green\)|across the fleet \(limit 150 ms; HAProxy's rtime of shop_green; worst edge-\d, \d+ ms\))"), release.Output);
            Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} requests failed: {string.Join("; ", result.Errors.Take(5))}\n{release.Output}");
            var deployment = await LastDeploymentAsync();
            Assert.Equal("DEPLOYMENT_OUTCOME_ROLLED_BACK", deployment.GetProperty("outcome").GetString());
            var analysis = deployment.GetProperty("analysis").EnumerateArray().ToList();
            Assert.Contains(analysis, IsFleet);
            var slow = analysis.Where(f => !IsFleet(f) && f.TryGetProperty("responseTimeMs", out _)).ToList();
            Assert.NotEmpty(slow);
            Assert.All(slow, f => Assert.InRange(f.GetProperty("responseTimeMs").GetDouble(), 150, 5_000));
        }

        foreach (var proxy in _fleet.Proxies)
        {
            await using var client = proxy.CreateClient();
            Assert.Equal("shop_blue", await client.GetMapAsync(proxy.MapFile, $"{Service}.local"));
        }

        await using (await EchoInstance.StartAsync("green", "3", port: _fleet.Ports[Service].Green))
        {
            await using var load = LoadGenerator.Start(frontends, new LoadOptions($"{Service}.local", Clients: 6));
            var release = await CliRun.RunAsync(["release", Service, "--version", "3", .. Server]);
            var result = await load.StopAsync();

            Assert.True(release.Exit == ExitCodes.Ok, release.Output);
            Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} requests failed: {string.Join("; ", result.Errors.Take(5))}\n{release.Output}");
            var deployment = await LastDeploymentAsync();
            var analysis = deployment.GetProperty("analysis").EnumerateArray().ToList();
            Assert.Equal(4, analysis.Count);
            var fleet = Assert.Single(analysis, IsFleet);
            Assert.True(long.Parse(fleet.GetProperty("responses").GetString()!, CultureInfo.InvariantCulture) > 0, fleet.ToString());
            // Green served version 2 slowly a moment ago: HAProxy's averages still hold those responses, so the
            // record shows no time (and judges none) until green answered 1,024 times since the switch.
            if (fleet.TryGetProperty("responseTimeMs", out var rtime))
            {
                Assert.InRange(rtime.GetDouble(), 0, 150);
            }
            Assert.Contains("verified: 0 5xx in", release.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Release_NewColourDownForAMomentOnOneProxyInTheWindow_HaProxysOwn503sRollBack()
    {
        var frontends = _fleet.Proxies.Select(p => p.FrontendUrl).ToList();
        await using var green = await EchoInstance.StartAsync("green", "2", port: _fleet.Ports[Service].Green);
        await using var load = LoadGenerator.Start(frontends, new LoadOptions($"{Service}.local", Clients: 6));
        var deployments = new V1.Deployments.DeploymentsClient(_channel);
        var releasing = CliRun.RunAsync(["release", Service, "--version", "2", .. Server]);

        await Eventually.UntilAsync(
            async () => (await deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = Service }, GatewayFixture.Admin)).Deployments.FirstOrDefault(),
            d => d?.Step == V1.DeploymentStep.Verify || d?.FinishedAt is not null,
            TimeSpan.FromSeconds(60),
            "the verify window");
        // Green stays up and answers: only edge-0 takes it out, until its checks bring it back. Meanwhile edge-0 answers
        // 503 itself, which no server's row counts.
        await using (var client = _fleet.Proxies[0].CreateClient())
        {
            await client.SetServerHealthAsync($"{Service}_green", "s1", HaProxy.Runtime.ServerHealthState.Down);
        }

        var release = await releasing;
        var result = await load.StopAsync();

        Assert.True(result.Failed > 0, "edge-0 answered no 503: the test proves nothing");
        Assert.True(release.Exit == ExitCodes.RolledBack, $"{result.Failed} requests failed, yet: {release.Output}");
        Assert.True(Regex.IsMatch(release.Output, @"\d+ of \d+ responses were 5xx on edge-0"), release.Output);
        foreach (var proxy in _fleet.Proxies)
        {
            await using var client = proxy.CreateClient();
            Assert.Equal("shop_blue", await client.GetMapAsync(proxy.MapFile, $"{Service}.local"));
        }
    }

    /// <summary>The fleet's figures: no proxy (the CLI's JSON writes the empty default).</summary>
    private static bool IsFleet(JsonElement figures) =>
        !figures.TryGetProperty("proxyId", out var id) || id.GetString()!.Length == 0;

    private async Task<JsonElement> LastDeploymentAsync()
    {
        var history = await CliRun.RunAsync(["history", Service, "--output", "json", .. Server]);
        Assert.True(history.Exit == ExitCodes.Ok, history.Output);
        using var json = JsonDocument.Parse(history.Output);
        return json.RootElement.GetProperty("deployments").EnumerateArray().First().Clone();
    }
}
