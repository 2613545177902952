using System.Diagnostics;
using System.Net;
using System.Text;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The real server's <c>/metrics</c> and OTLP traces after a real release, and the Orleans Dashboard on and off.</summary>
public sealed class ObservabilityTests(ObservabilityFixture fixture) : IClassFixture<ObservabilityFixture>
{
    private static readonly string[] ForwardSteps = ["provision", "await_healthy", "switch", "verify", "drain", "retire"];

    [Fact]
    public async Task Metrics_AfterARelease_OutcomeStepsSwitchAndProxySeries()
    {
        Assert.Equal(DeploymentOutcome.Succeeded, fixture.Release.Outcome);

        // The exporter may answer from a short cache: scrape until the release shows.
        var scrape = await Eventually.UntilAsync(
            fixture.ScrapeAsync,
            s => s.Value("bluegreen_deployments_total", ("kind", "release"), ("outcome", "succeeded")) >= 1,
            TimeSpan.FromSeconds(10),
            "the release in /metrics");

        Assert.True(scrape.Value("bluegreen_deployments_total", ("kind", "release"), ("outcome", "succeeded")) >= 1, scrape.Text);
        foreach (var step in ForwardSteps)
        {
            Assert.True(scrape.Value("bluegreen_deployment_step_duration_seconds_count", ("step", step)) >= 1, $"no {step} sample in:\n{scrape.Text}");
        }

        Assert.True(scrape.Value("bluegreen_deployment_step_duration_seconds_sum", ("step", "verify")) >= 0.3, scrape.Text);
        Assert.Equal(1, scrape.Value("bluegreen_fleet_switch_skew_milliseconds_count"));
        Assert.Equal(0, scrape.Value("bluegreen_fleet_switch_skew_milliseconds_sum"));
        Assert.Equal(1, scrape.Value("bluegreen_fleet_switch_duration_milliseconds_count"));
        Assert.Equal(1, scrape.Value("bluegreen_proxy_reachable", ("proxy", ObservabilityFixture.ProxyId)));
        Assert.Equal(0, scrape.Value("bluegreen_deployments_active", ("kind", "release")));
        // Orleans' own meter is exported too.
        Assert.NotEmpty(scrape.Values("orleans_catalog_activation_created_total"));
        // Every series fits its metric's limit (the server keeps 256 per metric): none was folded into overflow.
        Assert.DoesNotContain("otel_metric_overflow", scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ProxyStopped_ReachabilityDropsToZero()
    {
        var scrape = await fixture.ScrapeAsync();
        Assert.Equal(1, scrape.Value("bluegreen_proxy_reachable", ("proxy", ObservabilityFixture.ProxyId)));

        await fixture.Proxy.StopAsync();
        try
        {
            scrape = await Eventually.UntilAsync(
                fixture.ScrapeAsync,
                s => s.Value("bluegreen_proxy_reachable", ("proxy", ObservabilityFixture.ProxyId)) == 0,
                TimeSpan.FromSeconds(10),
                "the stopped proxy reported unreachable");
        }
        finally
        {
            await fixture.Proxy.RestartAsync();
        }

        await Eventually.UntilAsync(
            fixture.ScrapeAsync,
            s => s.Value("bluegreen_proxy_reachable", ("proxy", ObservabilityFixture.ProxyId)) == 1,
            TimeSpan.FromSeconds(10),
            "the restarted proxy reachable again");
    }

    [Fact]
    public async Task Traces_AfterARelease_ExportedOverOtlpInThePersistedTrace()
    {
        // The persisted traceparent's trace id, as the 16 raw bytes OTLP's protobuf carries.
        var traceId = Convert.FromHexString(ActivityContext.Parse(fixture.Release.TraceParent!, null).TraceId.ToHexString());

        var exported = await Eventually.UntilAsync(
            () => Task.FromResult(fixture.Collector.Bodies("/v1/traces").Where(b => b.AsSpan().IndexOf(traceId) >= 0).ToList()),
            bodies => bodies.Sum(b => Count(b, "bluegreen.deployment.step")) >= ForwardSteps.Length,
            TimeSpan.FromSeconds(20),
            "the release's spans at the collector");

        Assert.Contains(exported, b => Count(b, "release web") == 1);
        foreach (var step in ForwardSteps)
        {
            Assert.Contains(exported, b => Count(b, step) >= 1);
        }
    }

    [Fact]
    public async Task Dashboard_Enabled_ServedOnTheHttpPortWithoutAToken()
    {
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{fixture.Server.HttpPort}/dashboard/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_Disabled_NotFoundWhileMetricsServed()
    {
        using var folder = new TempFolder("nodashboard");
        await using var server = new ServerProcess(folder.File("data"));
        await server.StartAsync();
        using var http = new HttpClient();

        using var dashboard = await http.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/dashboard/"));
        using var metrics = await http.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/metrics"));

        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }

    private static int Count(byte[] body, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var count = 0;
        for (var span = body.AsSpan(); span.IndexOf(needle) is var i and >= 0; span = span[(i + needle.Length)..])
        {
            count++;
        }

        return count;
    }
}
