using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using BlueGreen.Orleans.Rules;
using Grpc.Net.Client;

namespace BlueGreen.Orleans.Cli;

/// <summary>How the CLI reaches the gateway: which addresses may get a token in cleartext, and whom https:// trusts.</summary>
internal static class ServerTransport
{
    public const string CaFileVariable = "BLUEGREEN_CA_FILE";

    /// <summary>
    /// Why the command must not run, or null. A token over http:// is readable by anyone on the path, so it only goes
    /// to a loopback address (127.0.0.0/8, ::1, localhost) unless <c>--insecure</c> says otherwise. Checked before the
    /// channel exists: nothing is sent.
    /// </summary>
    public static string? CleartextRefusal(Uri server, bool sendsToken, bool insecure) =>
        server.Scheme == Uri.UriSchemeHttp && sendsToken && !insecure && !server.IsLoopback
            ? $"--server '{Names.Printable(server.ToString(), 200)}' is cleartext http:// to a host that is not loopback: the token would cross the network readable by anyone on the path. "
                + "Use https:// (with --ca-file for a private CA), or add --insecure to send it anyway. Nothing was sent."
            : null;

    /// <summary>
    /// The channel. With a CA file and https://, the server's chain must end at one of those certificates and nowhere
    /// else (the system's roots are not consulted); the host name is still checked. Revocation is not checked: a
    /// private CA rarely publishes a CRL.
    /// </summary>
    public static GrpcChannel Open(Uri server, string? caFile)
    {
        if (caFile is null || server.Scheme != Uri.UriSchemeHttps)
        {
            return GrpcChannel.ForAddress(server);
        }

        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(LoadAuthorities(caFile));
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy },
        };
        return GrpcChannel.ForAddress(server, new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>A TLS handshake that failed on this side, e.g. a certificate no trusted CA issued; null otherwise.</summary>
    public static string? TlsFailure(RpcException e) =>
        Cause<AuthenticationException>(e) is { } tls
            ? $"TLS with the server failed: {tls.Message.TrimEnd('.')}. If a private CA issued its certificate, pass that CA with --ca-file."
            : null;

    /// <summary>
    /// An HTTP answer that is no gRPC answer (gRPC reports it as Internal: e.g. a TLS port that answers cleartext HTTP/2
    /// with an HTTP/1.1 400, or a plain web server): no gRPC endpoint was reached, so the server cannot have failed.
    /// A failure the server itself reports as Internal (its storage) carries no such transport exception.
    /// </summary>
    public static string? NoGrpcEndpoint(RpcException e, string server) =>
        e.StatusCode == StatusCode.Internal && Cause<HttpRequestException>(e) is { } http
            ? $"no gRPC endpoint answered at {server}: {http.Message.TrimEnd('.')}. A TLS port needs https://; the HTTP port serves no gRPC."
            : null;

    /// <summary>The first exception of type <typeparamref name="T"/> in the client-side cause of a failed call.</summary>
    private static T? Cause<T>(RpcException e)
        where T : Exception
    {
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        var shown = Names.Printable(path, 200);
        try
        {
            return CertificateAuthorities.Load(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--ca-file '{shown}' is not a readable PEM or DER certificate: {Names.Printable(e.Message, 200)}");
        }
    }
}
