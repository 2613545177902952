using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BlueGreen.Orleans.Hooks;

/// <summary>
/// How a hook request is signed: <c>X-BlueGreen-Signature: sha256=&lt;hex&gt;</c>, the lower-case hex HMAC-SHA256, keyed with
/// the service's hook secret, of <c>&lt;timestamp&gt;.&lt;body&gt;</c>: the <c>X-BlueGreen-Timestamp</c> header (Unix seconds),
/// a dot, then the exact bytes of the body. The timestamp is signed, so a receiver that refuses a timestamp older than a
/// few minutes (and remembers the deployment id and event of what it took) refuses a replayed request.
/// </summary>
public static class HookSignature
{
    public const string SignatureHeader = "X-BlueGreen-Signature";
    public const string TimestampHeader = "X-BlueGreen-Timestamp";
    public const string Prefix = "sha256=";

    public static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The header's value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        var material = new byte[prefix.Length + body.Length];
        prefix.CopyTo(material, 0);
        body.CopyTo(material.AsSpan(prefix.Length));
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(secret, material));
    }

    /// <summary>What a receiver does: recompute and compare in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> secret, string timestamp, ReadOnlySpan<byte> body, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, timestamp, body)), Encoding.ASCII.GetBytes(signature));
}
