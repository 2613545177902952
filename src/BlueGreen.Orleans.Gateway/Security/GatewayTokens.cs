using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// The gateway's named bearer tokens, loaded once at start from <c>Gateway:Tokens</c>. Only SHA-256 digests are kept;
/// a presented token is digested and compared with every one in constant time, so neither which token matched nor
/// how much of one did shows in the time taken, and the length of a token does not either.
/// </summary>
public sealed partial class GatewayTokens
{
    public const int MinimumLength = 16;
    private const int MaximumLength = 4096;
    private readonly IReadOnlyList<(byte[] Digest, Caller Caller)> _tokens;

    private GatewayTokens(IReadOnlyList<(byte[] Digest, Caller Caller)> tokens) => _tokens = tokens;

    public int Count => _tokens.Count;

    /// <summary>Reads every token (files included); every problem is listed, none names a token's value.</summary>
    public static GatewayTokens Load(IDictionary<string, GatewayTokenOptions> configured, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var tokens = new List<(byte[], Caller)>();
        foreach (var (name, options) in configured.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var field = $"Gateway:Tokens:{name}";
            if (!TokenName().IsMatch(name))
            {
                problems.Add($"{field}: a token name is 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit.");
                continue;
            }

            if (!Enum.IsDefined(options.Role))
            {
                problems.Add($"{field}:Role must be Admin or Read.");
                continue;
            }

            if (Read(field, options, problems) is not { } token)
            {
                continue;
            }

            tokens.Add((Digest(token), new Caller(name, options.Role)));
        }

        var duplicates = tokens.GroupBy(t => Convert.ToHexString(t.Item1)).Where(g => g.Count() > 1);
        foreach (var duplicate in duplicates)
        {
            problems.Add($"Gateway:Tokens: {string.Join(" and ", duplicate.Select(t => t.Item2.Name))} hold the same token; every name needs its own.");
        }

        errors = problems;
        return new GatewayTokens(tokens);
    }

    /// <summary>The caller a full <c>authorization</c> header admits, or null (missing, malformed or unknown token).</summary>
    public Caller? Authenticate(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length > MaximumLength + scheme.Length || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = Digest(authorization[scheme.Length..].Trim());
        Caller? match = null;
        foreach (var (digest, caller) in _tokens)
        {
            // No early exit: every token is compared whatever matched before.
            if (CryptographicOperations.FixedTimeEquals(presented, digest))
            {
                match = caller;
            }
        }

        return match;
    }

    private static string? Read(string field, GatewayTokenOptions options, List<string> problems)
    {
        if ((options.File is null) == (options.Value is null))
        {
            problems.Add($"{field}: set exactly one of File (preferred) or Value.");
            return null;
        }

        string token;
        if (options.File is { } file)
        {
            if (SecretFile.TryRead(file, $"{field}:File", out var error) is not { } read)
            {
                problems.Add(error!);
                return null;
            }

            token = read;
        }
        else
        {
            token = options.Value!;
        }

        if (token.Length is < MinimumLength or > MaximumLength || !token.All(c => c is > ' ' and <= '~'))
        {
            problems.Add($"{field}: a token is {MinimumLength}-{MaximumLength} printable ASCII characters without spaces.");
            return null;
        }

        return token;
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TokenName();
}
