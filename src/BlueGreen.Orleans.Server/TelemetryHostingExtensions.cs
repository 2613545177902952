using BlueGreen.Orleans.Grains.Telemetry;
using Orleans.Dashboard;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BlueGreen.Orleans.Server;

/// <summary>
/// Metrics (Prometheus scrape endpoint, always), traces and OTLP export (when configured), and the Orleans Dashboard
/// (when enabled). Both endpoints are served without the gRPC bearer token (README: Observability).
/// </summary>
internal static class TelemetryHostingExtensions
{
    /// <summary>Orleans' own meter: grain calls, activations, messaging, membership.</summary>
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The standard variable that turns OTLP on when <see cref="TelemetryOptions.OtlpEndpoint"/> is unset.</summary>
    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Series kept per metric, except the per-proxy ones. OpenTelemetry preallocates its default of 2,000 points for
    /// every metric (132 of them: 18 MB of an idle server); none here has more than a few dozen label sets (kind,
    /// outcome, step, route, status), and any beyond the limit still count under <c>otel.metric.overflow</c>.
    /// </summary>
    private const int SeriesPerMetric = 256;

    /// <summary>Metrics labelled by proxy keep OpenTelemetry's default limit: one series per proxy of a large fleet.</summary>
    private const string PerProxyMetrics = "bluegreen.proxy.";

    public static void AddBlueGreenTelemetry(this WebApplicationBuilder builder, ServerOptions options)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r
                .AddService("bluegreen-server", serviceNamespace: options.ServiceId, serviceVersion: typeof(ServerOptions).Assembly.GetName().Version?.ToString())
                .AddAttributes([new("bluegreen.role", options.Role.ToString()), new("bluegreen.cluster_id", options.ClusterId)]))
            .WithMetrics(metrics => metrics
                .AddMeter(BlueGreenTelemetry.Name, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddView(instrument => instrument.Name.StartsWith(PerProxyMetrics, StringComparison.Ordinal)
                    ? null
                    : new MetricStreamConfiguration { CardinalityLimit = SeriesPerMetric })
                .AddPrometheusExporter());

        // Spans only cost something when they go somewhere: tracing is on only with an OTLP destination.
        if (options.Telemetry.OtlpEndpoint is { } endpoint)
        {
            telemetry.WithTracing(Tracing).UseOtlpExporter(
                options.Telemetry.OtlpProtocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc,
                endpoint);
        }
        else if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]))
        {
            telemetry.WithTracing(Tracing).UseOtlpExporter();
        }
    }

    /// <summary>The Orleans Dashboard's silo part: grain profiling and the dashboard grains.</summary>
    public static void AddBlueGreenDashboard(this ISiloBuilder silo, ServerOptions options)
    {
        if (options.Dashboard.Enabled)
        {
            silo.AddDashboard();
        }
    }

    public static void MapBlueGreenTelemetry(this WebApplication app, ServerOptions options)
    {
        app.MapPrometheusScrapingEndpoint(options.Telemetry.MetricsPath);
        if (options.Dashboard.Enabled && options.Role != ServerRole.Gateway)
        {
            app.MapOrleansDashboard(options.Dashboard.Path);
        }
    }

    private static void Tracing(TracerProviderBuilder tracing) => tracing
        .AddSource(BlueGreenTelemetry.Name)
        .AddAspNetCoreInstrumentation();
}
