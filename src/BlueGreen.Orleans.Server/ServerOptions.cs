using System.Net;
using BlueGreen.Orleans.Grains.Hooks;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Server;

/// <summary>The <c>BlueGreen</c> configuration section (appsettings.json, <c>BlueGreen__Mode=Cluster</c>, <c>--BlueGreen:Mode Cluster</c>).</summary>
public sealed class ServerOptions
{
    public const string Section = "BlueGreen";

    public ServerMode Mode { get; set; } = ServerMode.Embedded;

    public ServerRole Role { get; set; } = ServerRole.All;

    public string ServiceId { get; set; } = "bluegreen";

    public string ClusterId { get; set; } = "local";

    /// <summary>Embedded: where the SQLite database and the process runtime's pid files live.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Cluster: the Redis connection string (e.g. <c>127.0.0.1:6379</c>, <c>redis.internal:6380,ssl=true</c>).</summary>
    public string? Redis { get; set; }

    /// <summary>Cluster: a file holding Redis' password (one trailing newline ignored), so it is in neither argv nor <see cref="Redis"/>.</summary>
    public string? RedisPasswordFile { get; set; }

    /// <summary>Cluster with <c>ssl=true</c>: the CA certificate(s) Redis' certificate must chain to (instead of the system's roots).</summary>
    public string? RedisCaPath { get; set; }

    /// <summary>Cluster: mutual TLS between silos and from Gateway-role processes.</summary>
    public ClusterTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Cluster: let a silo listen on a non-loopback <see cref="AdvertisedAddress"/> without <see cref="Tls"/>. Dangerous:
    /// anyone who reaches the silo and gateway ports can then call every grain, with no token.
    /// </summary>
    public bool AllowInsecure { get; set; }

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    public TimeSpan ProxyMonitorInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a proxy's monitor also reads every server of every backend, which proxy listings show.</summary>
    public TimeSpan ProxySnapshotInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The cap on one HAProxy Runtime API reply, in bytes (default 16 MiB); beyond it the connection is dropped.</summary>
    public int ProxyMaxReplyBytes { get; set; } = HaProxyRuntimeOptions.DefaultMaxReplyBytes;

    public TimeSpan DeploymentPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long after the switch the new colour must stay UP on every reachable proxy before the old colour is stopped
    /// (default 2 s, HAProxy's default check interval; set it to at least your backends' <c>inter</c>).
    /// </summary>
    public TimeSpan DeploymentConfirmWindow { get; set; } = Grains.Deployments.DeploymentEngine.DefaultConfirmWindow;

    public TelemetryOptions Telemetry { get; set; } = new();

    public DashboardOptions Dashboard { get; set; } = new();

    /// <summary>Which instance runtimes may start what (silos only).</summary>
    public RuntimesOptions Runtimes { get; set; } = new();

    /// <summary>Where proxy registrations may point: the maps root and the Runtime API endpoints (silos only).</summary>
    public ProxyRegistrationOptions Proxies { get; set; } = new();

    /// <summary>Deployment webhooks: the folder of their secrets (none: no spec may have hooks) and the first retry's delay (silos only).</summary>
    public HookOptions Hooks { get; set; } = new();

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Mode == ServerMode.Cluster && string.IsNullOrWhiteSpace(Redis))
        {
            errors.Add("BlueGreen:Redis is required in Cluster mode.");
        }

        if (Mode == ServerMode.Embedded && Role != ServerRole.All)
        {
            errors.Add("BlueGreen:Role must be All in Embedded mode (one process holds the silo and the gateway).");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add("BlueGreen:DataDirectory must not be empty.");
        }

        if (SiloPort is < 1 or > 65535 || GatewayPort is < 1 or > 65535 || SiloPort == GatewayPort)
        {
            errors.Add("BlueGreen:SiloPort and BlueGreen:GatewayPort must be two different ports between 1 and 65535.");
        }

        if (!IPAddress.TryParse(AdvertisedAddress, out var advertised))
        {
            errors.Add($"BlueGreen:AdvertisedAddress '{AdvertisedAddress}' is not an IP address.");
        }
        else if (Mode == ServerMode.Cluster && Role != ServerRole.Gateway && !IPAddress.IsLoopback(advertised) && !Tls.IsConfigured && !AllowInsecure)
        {
            errors.Add($"BlueGreen:AdvertisedAddress '{AdvertisedAddress}' is not a loopback address and BlueGreen:Tls is not set: anyone who reaches "
                + "the silo ports could call every grain without a token. Set BlueGreen:Tls:CertificatePath and BlueGreen:Tls:CaPath, "
                + "or BlueGreen:AllowInsecure=true on a network only the cluster reaches (dangerous).");
        }

        errors.AddRange(ClusterSecurity.Validate(this));

        if (ProxyMonitorInterval < TimeSpan.FromMilliseconds(50) || DeploymentPollInterval < TimeSpan.FromMilliseconds(10))
        {
            errors.Add("BlueGreen:ProxyMonitorInterval must be at least 50 ms and BlueGreen:DeploymentPollInterval at least 10 ms.");
        }

        if (DeploymentConfirmWindow < TimeSpan.Zero || DeploymentConfirmWindow > TimeSpan.FromMinutes(10))
        {
            errors.Add("BlueGreen:DeploymentConfirmWindow must be between 0 (stop the old colour as soon as it is drained) and 10 minutes.");
        }

        if (ProxySnapshotInterval < TimeSpan.Zero || ProxySnapshotInterval > TimeSpan.FromHours(1))
        {
            errors.Add("BlueGreen:ProxySnapshotInterval must be between 0 (every monitor tick) and 1 hour.");
        }

        if (ProxyMaxReplyBytes is < HaProxyRuntimeOptions.MinMaxReplyBytes or > HaProxyRuntimeOptions.MaxMaxReplyBytes)
        {
            errors.Add($"BlueGreen:ProxyMaxReplyBytes must be between {HaProxyRuntimeOptions.MinMaxReplyBytes} (64 KiB) and {HaProxyRuntimeOptions.MaxMaxReplyBytes} (1 GiB).");
        }

        if (string.IsNullOrWhiteSpace(ServiceId) || string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add("BlueGreen:ServiceId and BlueGreen:ClusterId must not be empty.");
        }

        if (Telemetry.OtlpEndpoint is { } otlp && (!otlp.IsAbsoluteUri || otlp.Scheme is not ("http" or "https")))
        {
            errors.Add($"BlueGreen:Telemetry:OtlpEndpoint '{otlp}' must be an absolute http:// or https:// URI.");
        }

        foreach (var (key, path) in new[] { ("Telemetry:MetricsPath", Telemetry.MetricsPath), ("Dashboard:Path", Dashboard.Path) })
        {
            if (!IsRoutePath(path))
            {
                errors.Add($"BlueGreen:{key} '{path}' must be a path such as /metrics: a slash, then letters, digits, '-', '_' or '/'.");
            }
        }

        if (string.Equals(Telemetry.MetricsPath.TrimEnd('/'), Dashboard.Path.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("BlueGreen:Telemetry:MetricsPath and BlueGreen:Dashboard:Path must differ.");
        }

        if (Role != ServerRole.Gateway)
        {
            // What the grains may start and where they may write: only a silo hosts them.
            Runtimes.Process.Validate(errors);
            Runtimes.Docker.Validate(errors);
            Proxies.Validate(errors);
            if (Hooks.SecretsFolder is { } secrets && !Directory.Exists(secrets))
            {
                errors.Add($"BlueGreen:Hooks:SecretsFolder '{secrets}' is not a folder.");
            }

            foreach (var host in Hooks.AllowedHosts.Where(h => !Uri.TryCreate($"http://{h}/", UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, h, StringComparison.OrdinalIgnoreCase) && !string.Equals($"{uri.Host}:{uri.Port}", h, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"BlueGreen:Hooks:AllowedHosts '{host}' must be a host name or address, with a port or not (ci.example.com, 127.0.0.1:8080, [::1]).");
            }

            if (Hooks.RetryDelay < TimeSpan.FromMilliseconds(10) || Hooks.RetryDelay > TimeSpan.FromMinutes(1))
            {
                errors.Add("BlueGreen:Hooks:RetryDelay must be between 10 ms and 1 minute.");
            }
        }

        return errors;
    }

    private static bool IsRoutePath(string path) =>
        path.Length is > 1 and <= 64 && path[0] == '/' && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/') && !path.Contains("//", StringComparison.Ordinal);
}
