using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Tests.Integration;

namespace BlueGreen.Orleans.Grains.Tests.Telemetry;

/// <summary>The trace of a real release: in-process silo, real haproxy processes and echo instances.</summary>
[Collection(TelemetryTestGroup.Name)]
public sealed class DeploymentTracingIntegrationTests
{
    [Fact]
    public async Task Release_RealFleet_OneRootSpanWithAChildPerStepInOrder()
    {
        using var capture = new TelemetryCapture();
        await using var fleet = await Fleet.StartAsync(proxyCount: 2, customize: s => s with { VerifyWindow = TimeSpan.FromMilliseconds(300) });

        var release = await fleet.ServiceGrain.ReleaseAsync("2", DeploymentOptions.Default);
        var done = await fleet.WaitFinishedAsync(release.Id);

        Assert.Equal(DeploymentOutcome.Succeeded, done.Outcome);
        Assert.Equal(release.TraceParent, done.TraceParent);
        var spans = capture.Trace(done.TraceParent);
        var root = Assert.Single(spans, s => s.OperationName == "bluegreen.deployment");
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal((release.Id, "web", "release", "2", "succeeded"), (
            root.GetTagItem("bluegreen.deployment.id"), root.GetTagItem("bluegreen.service"), root.GetTagItem("bluegreen.deployment.kind"),
            root.GetTagItem("bluegreen.deployment.version"), root.GetTagItem("bluegreen.deployment.outcome")));

        var steps = spans.Where(s => s.ParentSpanId == root.SpanId).ToList();
        Assert.Equal(["provision", "await_healthy", "switch", "verify", "drain", "retire"], steps.Select(s => s.GetTagItem("bluegreen.deployment.step")));
        Assert.True(steps.Single(s => s.DisplayName == "verify").Duration >= TimeSpan.FromMilliseconds(300));

        // Each proxy's switch is a span under the switch step: the fleet skew, visible. Saving the route is a second
        // span per proxy, begun only once every proxy has switched.
        var switchStep = steps.Single(s => s.DisplayName == "switch");
        var perProxy = spans.Where(s => s.ParentSpanId == switchStep.SpanId).ToList();
        Assert.All(perProxy, s => Assert.Equal("bluegreen.proxy.call", s.OperationName));
        var switches = perProxy.Where(s => s.DisplayName.EndsWith(": switch to web_green", StringComparison.Ordinal)).ToList();
        var saves = perProxy.Where(s => s.DisplayName.EndsWith(": save web_green", StringComparison.Ordinal)).ToList();
        Assert.Equal([Fleet.ProxyId(0), Fleet.ProxyId(1)], switches.Select(s => s.GetTagItem("bluegreen.proxy")).Order());
        Assert.Equal([Fleet.ProxyId(0), Fleet.ProxyId(1)], saves.Select(s => s.GetTagItem("bluegreen.proxy")).Order());
        Assert.Equal(4, perProxy.Count);
        Assert.True(saves.Min(s => s.StartTimeUtc) >= switches.Max(s => s.StartTimeUtc + s.Duration), "a route was saved before every proxy had switched");
    }
}
