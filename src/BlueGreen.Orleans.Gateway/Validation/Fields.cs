using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace BlueGreen.Orleans.Gateway.Validation;

/// <summary>
/// Edge validation of request fields: every refusal is INVALID_ARGUMENT naming the field, before any grain call.
/// The grains validate again, and the HAProxy client once more before any byte reaches the Runtime API.
/// </summary>
internal static partial class Fields
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProxyId();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Version();

    public static string Service(string value, string field = "service") =>
        ServiceName().IsMatch(value) ? value : throw Invalid(field, "must be 1-63 characters of a-z 0-9 -, starting with a letter or digit");

    public static string Proxy(string value, string field = "id") =>
        ProxyId().IsMatch(value) ? value : throw Invalid(field, "must be 1-128 characters of A-Z a-z 0-9 . _ : -");

    public static string VersionTag(string value, string field = "version") =>
        Version().IsMatch(value) ? value : throw Invalid(field, "must be 1-128 characters of A-Z a-z 0-9 . _ + -, starting with a letter or digit");

    public static long Id(long value, string field = "id") => value > 0 ? value : throw Invalid(field, "must be a positive deployment id");

    /// <summary>Null when absent; otherwise between 0 (or 1 ms when <paramref name="allowZero"/> is false) and 24 h.</summary>
    public static TimeSpan? Duration(Duration? value, string field, bool allowZero = true)
    {
        if (value is null)
        {
            return null;
        }

        // Nanos of a valid Duration are below one second; a larger value would make ToTimeSpan throw (INTERNAL).
        if (value.Seconds < 0 || value.Nanos is < 0 or >= 1_000_000_000 || value.Seconds > (long)MaxDuration.TotalSeconds)
        {
            throw Invalid(field, "must be between 0 and 24 h");
        }

        var span = value.ToTimeSpan();
        if (span > MaxDuration)
        {
            throw Invalid(field, "must be between 0 and 24 h");
        }

        return !allowZero && span == TimeSpan.Zero ? throw Invalid(field, "must be more than 0") : span;
    }

    public static RpcException Invalid(string field, string rule) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {rule}."));
}
