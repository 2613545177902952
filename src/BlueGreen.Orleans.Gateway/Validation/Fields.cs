using BlueGreen.Orleans.Rules;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace BlueGreen.Orleans.Gateway.Validation;

/// <summary>
/// Edge validation of request fields against <see cref="FieldRules"/> (the rules the CLI and the grains apply too):
/// every refusal is INVALID_ARGUMENT naming the field, before any grain call. The grains validate again, and the
/// HAProxy client once more before any byte reaches the Runtime API.
/// </summary>
internal static class Fields
{
    public static string Service(string value, string field = "service") => Text(FieldRules.ServiceName, value, field);

    public static string Proxy(string value, string field = "id") => Text(FieldRules.ProxyId, value, field);

    public static string VersionTag(string value, string field = "version") => Text(FieldRules.Version, value, field);

    public static string RouteKey(string value, string field) => Text(FieldRules.RouteKey, value, field);

    public static string Server(string value, string field) => Text(FieldRules.ServerName, value, field);

    /// <summary>A maintenance page's message: null when empty (the default page); only with maintenance turned on.</summary>
    public static string? MaintenanceMessage(string value, bool enabled)
    {
        if (value.Length == 0)
        {
            return null;
        }

        return enabled ? Text(FieldRules.MaintenanceMessage, value, "message") : throw Invalid("message", "must be empty when maintenance is turned off");
    }

    public static long Id(long value, string field = "id") => value > 0 ? value : throw Invalid(field, "must be a positive deployment id");

    /// <summary>Null when absent; otherwise within <paramref name="rule"/>'s bounds.</summary>
    public static TimeSpan? Duration(Duration? value, string field, DurationRule rule)
    {
        if (value is null)
        {
            return null;
        }

        // Nanos of a valid Duration are below one second; a larger value would make ToTimeSpan throw (INTERNAL).
        if (value.Seconds < 0 || value.Nanos is < 0 or >= 1_000_000_000 || value.Seconds > (long)DurationRule.Max.TotalSeconds)
        {
            throw Invalid(field, $"must be {rule.Description}");
        }

        var span = value.ToTimeSpan();
        return rule.IsValid(span) ? span : throw Invalid(field, $"must be {rule.Description}");
    }

    public static RpcException Invalid(string field, string rule) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {rule}."));

    private static string Text(TextRule rule, string value, string field) =>
        rule.IsValid(value) ? value : throw Invalid(field, $"must be {rule.Description}");
}
