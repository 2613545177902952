using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BlueGreen.Orleans.Rules;

/// <summary>
/// The one reader of a CA file, for every door that trusts a private CA (the CLI's <c>--ca-file</c>, the cluster's and
/// Redis' CA paths): one or more PEM <c>CERTIFICATE</c> blocks, or one DER certificate.
/// </summary>
public static class CertificateAuthorities
{
    /// <summary>
    /// The certificates in <paramref name="path"/>; throws <see cref="CryptographicException"/> for a file that holds
    /// none or cannot be parsed, <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> for one that
    /// cannot be read.
    /// </summary>
    public static X509Certificate2Collection Load(string path)
    {
        var authorities = new X509Certificate2Collection();
        if (File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal))
        {
            authorities.ImportFromPemFile(path);
        }
        else
        {
            authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        return authorities.Count > 0 ? authorities : throw new CryptographicException("it holds no certificate");
    }
}
