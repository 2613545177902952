using System.Security.Cryptography.X509Certificates;

namespace BlueGreen.Orleans.Server;

/// <summary>
/// Accepts a certificate only when it chains to one of the configured CA certificates: not the system's roots, not
/// "any certificate". Names are not checked: silos come and go under addresses the CA never saw, so membership in the
/// cluster is having a certificate from its CA. Revocation is not checked (a private CA rarely runs a CRL endpoint) and
/// nothing is downloaded while building the chain.
/// </summary>
internal sealed class CertificateAuthority(X509Certificate2Collection roots)
{
    public bool Issued(X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // Intermediates the peer sent may complete the chain; trust still has to end at one of the roots.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.Equals(certificate))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        return chain.Build(certificate);
    }
}
