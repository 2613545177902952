using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Certificates named in configuration, loaded at start so a wrong path or password stops the process with the key
/// named, instead of failing the first handshake. Shared by the gateway and the server's cluster TLS.
/// </summary>
public static class CertificateFiles
{
    /// <summary>
    /// A PFX (PKCS#12) with its private key. The password comes from <c>{prefix}CertificatePassword</c> or, to keep it
    /// out of argv, <c>{prefix}CertificatePasswordFile</c>; not both.
    /// </summary>
    public static X509Certificate2? TryLoadPkcs12(string prefix, string path, string? password, string? passwordFile, out string? error)
    {
        if (password is not null && passwordFile is not null)
        {
            error = $"{prefix}CertificatePassword and {prefix}CertificatePasswordFile are both set: set one.";
            return null;
        }

        if (!File.Exists(path))
        {
            error = $"{prefix}CertificatePath '{path}' does not exist.";
            return null;
        }

        if (passwordFile is not null)
        {
            password = SecretFile.TryRead(passwordFile, $"{prefix}CertificatePasswordFile", out error);
            if (password is null)
            {
                return null;
            }
        }

        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                error = $"{prefix}CertificatePath '{path}' has no private key: a PFX with the certificate and its key is needed.";
                return null;
            }

            error = null;
            return certificate;
        }
        catch (CryptographicException e)
        {
            error = $"{prefix}CertificatePath '{path}' cannot be opened as a PFX with the configured password ({e.Message.TrimEnd('.')}).";
            return null;
        }
    }

    /// <summary>The certificate authorities in a PEM file (one or more <c>CERTIFICATE</c> blocks) or a DER file.</summary>
    public static X509Certificate2Collection? TryLoadAuthorities(string key, string path, out string? error)
    {
        if (!File.Exists(path))
        {
            error = $"{key} '{path}' does not exist.";
            return null;
        }

        try
        {
            var authorities = CertificateAuthorities.Load(path);
            error = null;
            return authorities;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            error = $"{key} '{path}' is not a PEM or DER certificate ({e.Message.TrimEnd('.')}).";
            return null;
        }
    }
}
