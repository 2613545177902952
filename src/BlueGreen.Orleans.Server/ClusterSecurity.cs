using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using BlueGreen.Orleans.Gateway.Security;
using Orleans.Connections.Security;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Server;

/// <summary>
/// Cluster mode's network: mutual TLS on the Orleans connections (<see cref="ClusterTlsOptions"/>) and Redis' password
/// and TLS. Certificates and secrets are read at start, so a wrong path or password stops the process naming the key.
/// </summary>
internal static class ClusterSecurity
{
    private const string TlsPrefix = "BlueGreen:Tls:";

    public static IEnumerable<string> Validate(ServerOptions options)
    {
        var tls = options.Tls;
        if (tls.IsConfigured && options.Mode != ServerMode.Cluster)
        {
            yield return "BlueGreen:Tls is for Cluster mode (the embedded silo listens on loopback only).";
        }
        else if (tls.IsConfigured)
        {
            if (tls.CertificatePath is null || tls.CaPath is null)
            {
                yield return "BlueGreen:Tls needs both CertificatePath (this process's PFX) and CaPath (the cluster's CA).";
            }

            if (tls.CertificatePath is not null)
            {
                using var certificate = CertificateFiles.TryLoadPkcs12(TlsPrefix, tls.CertificatePath, tls.CertificatePassword, tls.CertificatePasswordFile, out var error);
                if (error is not null)
                {
                    yield return error;
                }
            }

            if (tls.CaPath is not null && CertificateFiles.TryLoadAuthorities(TlsPrefix + "CaPath", tls.CaPath, out var caError) is null)
            {
                yield return caError!;
            }
        }

        if (options.Mode != ServerMode.Cluster || string.IsNullOrWhiteSpace(options.Redis))
        {
            if (options.RedisPasswordFile is not null || options.RedisCaPath is not null)
            {
                yield return "BlueGreen:RedisPasswordFile and BlueGreen:RedisCaPath are for Cluster mode with BlueGreen:Redis.";
            }

            yield break;
        }

        ConfigurationOptions redis;
        string? parseError = null;
        try
        {
            redis = ConfigurationOptions.Parse(options.Redis);
        }
        catch (ArgumentException e)
        {
            redis = new ConfigurationOptions();
            parseError = $"BlueGreen:Redis is not a Redis connection string: {e.Message}";
        }

        if (parseError is not null)
        {
            yield return parseError;
        }

        if (options.RedisPasswordFile is not null)
        {
            if (redis.Password is not null)
            {
                yield return "BlueGreen:Redis has a password= and BlueGreen:RedisPasswordFile is set: set one (the file keeps it out of argv).";
            }

            if (SecretFile.TryRead(options.RedisPasswordFile, "BlueGreen:RedisPasswordFile", out var error) is null)
            {
                yield return error!;
            }
        }

        if (options.RedisCaPath is not null)
        {
            if (!redis.Ssl)
            {
                yield return "BlueGreen:RedisCaPath is set but BlueGreen:Redis has no ssl=true: the CA would check nothing.";
            }

            if (CertificateFiles.TryLoadAuthorities("BlueGreen:RedisCaPath", options.RedisCaPath, out var error) is null)
            {
                yield return error!;
            }
        }
    }

    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ServerOptions options) =>
        options.Tls.IsConfigured ? silo.UseTls(tls => Configure(tls, options.Tls)) : silo;

    public static IClientBuilder UseClusterTls(this IClientBuilder client, ServerOptions options) =>
        options.Tls.IsConfigured ? client.UseTls(tls => Configure(tls, options.Tls)) : client;

    /// <summary>
    /// The Redis connection of every provider: the password from its file, Redis' certificate checked against
    /// <see cref="ServerOptions.RedisCaPath"/> and the host name, and this process's cluster certificate shown when
    /// Redis asks for one (<c>tls-auth-clients yes</c>, Redis' default with TLS).
    /// </summary>
    public static ConfigurationOptions Redis(ServerOptions options)
    {
        var redis = ConfigurationOptions.Parse(options.Redis!);
        if (options.RedisPasswordFile is { } passwordFile)
        {
            redis.Password = SecretFile.TryRead(passwordFile, "BlueGreen:RedisPasswordFile", out var error) ?? throw Invalid(error);
        }

        if (options.RedisCaPath is { } caPath)
        {
            var authority = new CertificateAuthority(CertificateFiles.TryLoadAuthorities("BlueGreen:RedisCaPath", caPath, out var error) ?? throw Invalid(error));
            redis.CertificateValidation += (_, certificate, chain, errors) =>
                certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && authority.Issued(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain);
        }

        if (redis.Ssl && options.Tls.CertificatePath is not null)
        {
            var certificate = LoadCertificate(options.Tls);
            redis.CertificateSelection += (_, _, _, _, _) => certificate;
        }

        return redis;
    }

    /// <summary>
    /// Both directions require a certificate and accept only one the cluster's CA issued; the platform's verdict
    /// (untrusted root for a private CA, no host name to match) is replaced by that check, never skipped.
    /// </summary>
    private static void Configure(TlsOptions tls, ClusterTlsOptions options)
    {
        var authority = new CertificateAuthority(CertificateFiles.TryLoadAuthorities(TlsPrefix + "CaPath", options.CaPath!, out var error) ?? throw Invalid(error));
        tls.LocalCertificate = LoadCertificate(options);
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = (certificate, chain, _) => authority.Issued(certificate, chain);
    }

    private static X509Certificate2 LoadCertificate(ClusterTlsOptions options) =>
        CertificateFiles.TryLoadPkcs12(TlsPrefix, options.CertificatePath!, options.CertificatePassword, options.CertificatePasswordFile, out var error) ?? throw Invalid(error);

    private static InvalidOperationException Invalid(string? error) => new("Invalid configuration: " + error);
}
