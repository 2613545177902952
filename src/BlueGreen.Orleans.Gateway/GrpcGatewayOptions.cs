using BlueGreen.Orleans.Gateway.Security;

namespace BlueGreen.Orleans.Gateway;

/// <summary>The <c>Gateway</c> configuration section.</summary>
public sealed class GrpcGatewayOptions
{
    public const string Section = "Gateway";

    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>gRPC only (HTTP/2; cleartext unless a certificate is set).</summary>
    public int GrpcPort { get; set; } = 5080;

    /// <summary>Other HTTP (HTTP/1.1): health, later metrics and the dashboard.</summary>
    public int HttpPort { get; set; } = 5081;

    /// <summary>Named bearer tokens (<c>Gateway:Tokens:&lt;name&gt;:Role|File|Value</c>), loaded by <see cref="Security.GatewayTokens"/>.</summary>
    public IDictionary<string, GatewayTokenOptions> Tokens { get; } = new Dictionary<string, GatewayTokenOptions>(StringComparer.Ordinal);

    /// <summary>How many <c>WatchDeployment</c> streams one token may hold open at once.</summary>
    public int MaxWatchStreamsPerToken { get; set; } = 16;

    /// <summary>How long one <c>WatchDeployment</c> stream may stay open; the client then watches again.</summary>
    public TimeSpan MaxWatchDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Must be set to false explicitly to serve without tokens (local experiments only).</summary>
    public bool RequireAuthentication { get; set; } = true;

    /// <summary>A PFX certificate for TLS on the gRPC port.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>A file holding the certificate's password (one trailing newline ignored), so it is not in argv.</summary>
    public string? CertificatePasswordFile { get; set; }

    /// <summary>
    /// Serve gRPC in cleartext on a non-loopback <see cref="ListenAddress"/>. Dangerous: bearer tokens then cross the
    /// network readable by anyone on the path. Only for a port reached solely through a TLS-terminating proxy.
    /// </summary>
    public bool AllowInsecure { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!System.Net.IPAddress.TryParse(ListenAddress, out var address))
        {
            errors.Add($"Gateway:ListenAddress '{ListenAddress}' is not an IP address.");
        }
        else if (!System.Net.IPAddress.IsLoopback(address) && CertificatePath is null && !AllowInsecure)
        {
            // 0.0.0.0 and :: are not loopback: they listen on every interface.
            errors.Add($"Gateway:ListenAddress '{ListenAddress}' is not a loopback address and Gateway:CertificatePath is not set: "
                + "bearer tokens would cross the network in cleartext. Set Gateway:CertificatePath (a PFX), or Gateway:AllowInsecure=true "
                + "if only a TLS-terminating proxy reaches this port (dangerous).");
        }

        if (GrpcPort is < 1 or > 65535 || HttpPort is < 1 or > 65535 || GrpcPort == HttpPort)
        {
            errors.Add("Gateway:GrpcPort and Gateway:HttpPort must be two different ports between 1 and 65535.");
        }

        if (RequireAuthentication && !Tokens.Values.Any(t => t.Role == TokenRole.Admin))
        {
            errors.Add("Gateway:Tokens needs at least one token with Role Admin (or set Gateway:RequireAuthentication to false).");
        }

        if (MaxWatchStreamsPerToken < 1 || MaxWatchDuration < TimeSpan.FromSeconds(1))
        {
            errors.Add("Gateway:MaxWatchStreamsPerToken must be at least 1 and Gateway:MaxWatchDuration at least 1 s.");
        }

        if (CertificatePath is not null)
        {
            using var certificate = CertificateFiles.TryLoadPkcs12("Gateway:", CertificatePath, CertificatePassword, CertificatePasswordFile, out var error);
            if (error is not null)
            {
                errors.Add(error);
            }
        }
        else if (CertificatePassword is not null || CertificatePasswordFile is not null)
        {
            errors.Add("Gateway:CertificatePassword or Gateway:CertificatePasswordFile is set without Gateway:CertificatePath.");
        }

        return errors;
    }
}
