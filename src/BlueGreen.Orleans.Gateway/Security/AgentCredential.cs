using System.Security.Cryptography;
using System.Text;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// An agent credential: <c>bga1.&lt;proxy id&gt;.&lt;64 hex digits&gt;</c>, 256 random bits bound to one proxy. The proxy id
/// inside only says which proxy grain to ask; the grain admits the credential only when its SHA-256 digest is the one
/// it issued for itself (compared in constant time), so changing the id part gets nothing. The server stores and
/// passes around the digest only; the credential is shown once, when issued.
/// </summary>
public sealed record AgentCredential(string ProxyId, string Digest)
{
    private const string Prefix = "bga1.";
    private const int SecretBytes = 32;

    /// <summary>A fresh credential for a proxy, with its digest.</summary>
    public static (string Credential, AgentCredential Parsed) Issue(string proxyId)
    {
        var credential = Prefix + proxyId + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretBytes));
        return (credential, new AgentCredential(proxyId, DigestOf(credential)));
    }

    /// <summary>The credential in a full <c>authorization</c> header, or null (missing, or not shaped as one: a read or admin token is not).</summary>
    public static AgentCredential? FromHeader(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length > 512 || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var credential = authorization[scheme.Length..].Trim();
        var dot = credential.LastIndexOf('.');
        if (!credential.StartsWith(Prefix, StringComparison.Ordinal) || dot < Prefix.Length)
        {
            return null;
        }

        var proxyId = credential[Prefix.Length..dot];
        var secret = credential[(dot + 1)..];
        return FieldRules.ProxyId.IsValid(proxyId) && secret.Length == SecretBytes * 2 && secret.All(char.IsAsciiHexDigitLower)
            ? new AgentCredential(proxyId, DigestOf(credential))
            : null;
    }

    private static string DigestOf(string credential) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credential)));
}
