using System.Collections.Immutable;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
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

    /// <summary>A spec's hooks by <see cref="HookRules"/>: every problem named in one INVALID_ARGUMENT.</summary>
    public static ImmutableList<HookSpec> Hooks(IReadOnlyList<(string Event, string Url, Duration? Timeout, int? Retries)> hooks, string field)
    {
        if (hooks.Count > HookRules.MaxHooks)
        {
            throw Invalid(field, $"at most {HookRules.MaxHooks}");
        }

        var problems = new List<string>();
        var specs = ImmutableList.CreateBuilder<HookSpec>();
        for (var i = 0; i < hooks.Count; i++)
        {
            var (hookEvent, url, timeout, retries) = hooks[i];
            var span = HookRules.DefaultTimeout;
            if (timeout is not null)
            {
                // Checked before ToTimeSpan, which throws (INTERNAL) on nanos out of range.
                span = timeout.Seconds is < 0 or > 60 || timeout.Nanos is < 0 or >= 1_000_000_000 ? TimeSpan.MinValue : timeout.ToTimeSpan();
            }

            var hook = new HookSpec { Event = hookEvent, Url = url, Timeout = span, Retries = retries ?? HookRules.DefaultRetries };
            problems.AddRange(HookRules.Problems($"{field}[{i}]", hook.Event, hook.Url, span, hook.Retries));
            specs.Add(hook);
        }

        return problems.Count == 0 ? specs.ToImmutable() : throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join(" ", problems)));
    }

    public static string HookSecret(string value, string field) => Text(HookRules.SecretName, value, field);

    public static RpcException Invalid(string field, string rule) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {rule}."));

    private static string Text(TextRule rule, string value, string field) =>
        rule.IsValid(value) ? value : throw Invalid(field, $"must be {rule.Description}");
}
