using System.Diagnostics;
using System.Net.Sockets;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Testing;
using BlueGreen.Orleans.Harness.Load;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// A release whose green never becomes healthy (the echo server started with <c>--healthy false</c> through the spec's
/// arguments), through the real CLI, a real server and haproxy, under client load: the health deadline passes, the
/// deployment rolls back by itself (CLI exit 3, outcome ROLLED_BACK naming the deadline), green is stopped, haproxy
/// never routes to green, and blue serves every request throughout.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class UnhealthyReleaseTests(GatewayStage stage, ReliabilityReport report) : IClassFixture<GatewayStage>
{
    private const string Service = "sick";
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Release_GreenNeverHealthy_RollsBackAtTheDeadlineBlueServesEveryRequest()
    {
        await stage.ApplyAsync(stage.Spec(Service, healthTimeout: HealthTimeout, keepWarm: TimeSpan.Zero, greenArguments: ["--healthy", "false"]));
        var route = $"{GatewayStage.RouteKey(Service)} {Service}_blue";
        await using var load = LoadGenerator.Start([stage.Proxy.FrontendUrl], new LoadOptions(GatewayStage.RouteKey(Service), Clients: 32));
        await load.WaitForRequestsAsync(200);

        // Watch haproxy's route for the whole release: it must never leave blue, not even for one poll.
        using var watching = new CancellationTokenSource();
        var routesSeen = WatchRoutesAsync(watching.Token);
        var clock = Stopwatch.StartNew();
        var (exit, output) = await CliRun.RunAsync(["release", Service, "--version", "2", .. stage.CliServer()]);
        var took = clock.Elapsed;
        await load.WaitForRequestsAsync(load.Sent + 200);
        await watching.CancelAsync();
        var routes = await routesSeen;
        var result = await load.StopAsync();

        var deployment = (await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = Service }, GatewayStage.Admin)).Deployments[0];
        var service = await stage.Services.GetServiceAsync(new V1.GetServiceRequest { Name = Service }, GatewayStage.Admin);
        var awaited = deployment.Events.FirstOrDefault(e => e.Step == V1.DeploymentStep.AwaitHealthy)?.At.ToDateTimeOffset();
        var gaveUp = deployment.Events.FirstOrDefault(e => e.Message.StartsWith("health deadline passed", StringComparison.Ordinal))?.At.ToDateTimeOffset();
        var waited = awaited is { } a && gaveUp is { } g ? g - a : TimeSpan.Zero;
        var greenListening = await ListeningAsync(stage.Ports[Service].Green);
        var survived = exit == ExitCodes.RolledBack
            && deployment.Outcome == V1.DeploymentOutcome.RolledBack
            && routes.All(r => r == route)
            && result.Failed == 0
            && !result.ByColour.ContainsKey("green")
            && !greenListening;
        report.Record(new ReliabilityCase(
            "unhealthy release: green never healthy, under load",
            1,
            survived ? 1 : 0,
            result.Sent,
            result.Failed,
            routes.All(r => r == route) ? "none" : $"haproxy routed elsewhere: {string.Join(", ", routes.Distinct())}",
            $"health deadline {HealthTimeout.TotalSeconds:0} s; rolled back {waited.TotalSeconds:0.0} s after AwaitHealthy began (CLI exit {exit} after {took.TotalSeconds:0.0} s); green stopped; {routes.Count} route polls all on blue; {result.ByColour.GetValueOrDefault("blue")} answers from blue, none from green; 32 clients"));

        Assert.Equal(ExitCodes.RolledBack, exit);
        Assert.Contains("rolled back", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(V1.DeploymentOutcome.RolledBack, deployment.Outcome);
        Assert.Contains("not healthy within", deployment.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(deployment.Events, e => e.Step == V1.DeploymentStep.Switch);
        Assert.InRange(waited, HealthTimeout - TimeSpan.FromMilliseconds(50), HealthTimeout + TimeSpan.FromSeconds(5));
        Assert.Equal(V1.Colour.Blue, service.LiveColour);
        Assert.Equal([V1.Colour.Blue], service.Running);
        Assert.False(greenListening, "green still listens after the rollback");
        Assert.NotEmpty(routes);
        Assert.All(routes, r => Assert.Equal(route, r));
        Assert.Equal(0, result.Failed);
        Assert.True(result.Sent > 400, $"only {result.Sent} requests");
        Assert.False(result.ByColour.ContainsKey("green"), "green answered a request");
    }

    private async Task<List<string>> WatchRoutesAsync(CancellationToken cancellationToken)
    {
        var seen = new List<string>();
        await using var client = stage.Proxy.CreateClient();
        while (!cancellationToken.IsCancellationRequested)
        {
            var entries = await client.ShowMapAsync(stage.Proxy.MapFile, CancellationToken.None);
            seen.Add(string.Join(" | ", entries.Where(e => e.Key == GatewayStage.RouteKey(Service)).Select(e => $"{e.Key} {e.Value}")));
            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return seen;
    }

    private static async Task<bool> ListeningAsync(int port)
    {
        try
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
