namespace BlueGreen.Orleans.Server;

/// <summary>The <c>BlueGreen:Telemetry</c> section: Prometheus metrics are always on; OTLP only when an endpoint is set.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Where to send traces, metrics and logs over OTLP (e.g. <c>http://collector:4317</c>). Unset: no OTLP, unless the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment variable is set (then the standard variables decide).
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>Grpc</c> (port 4317) or <c>HttpProtobuf</c> (port 4318) for <see cref="OtlpEndpoint"/>.</summary>
    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>The path of the Prometheus scrape endpoint on the HTTP port.</summary>
    public string MetricsPath { get; set; } = "/metrics";
}
