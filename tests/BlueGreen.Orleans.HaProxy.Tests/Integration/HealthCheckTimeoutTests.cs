using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>
/// The rendered <c>timeout check</c> on a real haproxy: how long a check waits for its answer no longer follows the
/// check interval. Blue answers its check after 500 ms, green after 5 s; both are checked every 200 ms and go DOWN on
/// one failed check.
/// </summary>
public sealed class HealthCheckTimeoutTests
{
    /// <summary>Any path but /healthz is echoed after the echo's delay, with 200: a slow but healthy answer.</summary>
    private const string SlowPath = "/slow-ready";

    [Fact]
    public async Task Check_AnswerSlowerThanTheInterval_UpUntilTheCheckTimeout()
    {
        await using var slow = await EchoInstance.StartAsync("blue", "1", delay: TimeSpan.FromMilliseconds(500));
        await using var hung = await EchoInstance.StartAsync("green", "1", delay: TimeSpan.FromSeconds(5));
        var check = TestChecks.Fast with { Path = SlowPath, Rise = 1, Fall = 1, Timeout = TimeSpan.FromSeconds(1) };
        var service = new ServiceBackends { Name = "web", Blue = [slow.AsServer("s1")], Green = [hung.AsServer("s1")], Check = check };
        await using var proxy = await HaProxyInstance.StartAsync([service]);
        await using var client = proxy.CreateClient();

        async Task<StatRow> ServerAsync(Colour colour) =>
            Assert.Single(await client.ShowStatAsync(), r => r.ProxyName == colour.Backend("web") && r.ServiceName == "s1");

        // Without `timeout check`, HAProxy gives the whole check `inter` (200 ms): blue's 500 ms answer timed out.
        var blue = await Eventually.UntilAsync(() => ServerAsync(Colour.Blue), r => r.IsUp && r.CheckStatus == "L7OK", TimeSpan.FromSeconds(10), "blue UP from its slow check");
        Assert.Equal("L7OK", blue.CheckStatus);

        // A hung answer still fails, after the check timeout.
        var green = await Eventually.UntilAsync(() => ServerAsync(Colour.Green), r => r.CheckStatus == "L7TOUT", TimeSpan.FromSeconds(10), "green's check timed out");
        Assert.False(green.IsUp, green.ToString());

        // Blue stays UP over several more checks (one failure would take it DOWN).
        await Task.Delay(TimeSpan.FromSeconds(2));
        blue = await ServerAsync(Colour.Blue);
        Assert.True(blue.IsUp && blue.CheckDownTransitions == 0, $"{blue}, check status {blue.CheckStatus}, {blue.CheckDownTransitions} DOWN transitions");
    }
}
