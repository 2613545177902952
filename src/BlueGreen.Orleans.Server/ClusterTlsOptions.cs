namespace BlueGreen.Orleans.Server;

/// <summary>
/// The <c>BlueGreen:Tls</c> section: mutual TLS on the Orleans connections of Cluster mode (silo to silo, and a
/// Gateway-role process to the silos). Every peer shows a certificate issued by <see cref="CaPath"/>, and only such a
/// certificate is accepted: give the cluster a CA of its own (README: cluster mode).
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>This process's certificate and key (PFX); used as server and as client, so no EKU or both.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>A file holding the PFX password (one trailing newline ignored), so it is not in argv.</summary>
    public string? CertificatePasswordFile { get; set; }

    /// <summary>The cluster's CA certificate(s), PEM or DER: the only issuers a peer's certificate may chain to.</summary>
    public string? CaPath { get; set; }

    public bool IsConfigured => CertificatePath is not null || CertificatePassword is not null || CertificatePasswordFile is not null || CaPath is not null;
}
