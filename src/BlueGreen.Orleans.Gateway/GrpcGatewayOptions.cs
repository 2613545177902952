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

    /// <summary>Bearer tokens that may call everything.</summary>
    public IList<string> AdminTokens { get; } = [];

    /// <summary>Bearer tokens that may only read.</summary>
    public IList<string> ReadTokens { get; } = [];

    /// <summary>Must be set to false explicitly to serve without tokens (local experiments only).</summary>
    public bool RequireAuthentication { get; set; } = true;

    /// <summary>A PFX certificate for TLS on the gRPC port.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!System.Net.IPAddress.TryParse(ListenAddress, out _))
        {
            errors.Add($"Gateway:ListenAddress '{ListenAddress}' is not an IP address.");
        }

        if (GrpcPort is < 1 or > 65535 || HttpPort is < 1 or > 65535 || GrpcPort == HttpPort)
        {
            errors.Add("Gateway:GrpcPort and Gateway:HttpPort must be two different ports between 1 and 65535.");
        }

        if (RequireAuthentication && AdminTokens.Count == 0)
        {
            errors.Add("Gateway:AdminTokens needs at least one token (or set Gateway:RequireAuthentication to false).");
        }

        if (AdminTokens.Concat(ReadTokens).Any(t => t.Length < 16))
        {
            errors.Add("Gateway tokens must be at least 16 characters long.");
        }

        if (CertificatePath is not null && !File.Exists(CertificatePath))
        {
            errors.Add($"Gateway:CertificatePath '{CertificatePath}' does not exist.");
        }

        return errors;
    }
}
