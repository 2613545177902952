using System.Globalization;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// The allow-lists every argument passes before a byte reaches HAProxy's Runtime API. On that API <c>;</c> separates
/// commands, a newline ends one, <c>\</c> escapes and quotes mean nothing, so anything outside these lists is refused.
/// Every pattern ends with <c>\z</c>, not <c>$</c>: in .NET <c>$</c> also matches before a final newline.
/// </summary>
public static partial class RuntimeArguments
{
    /// <summary>A route key's 128 characters with a prefix before it (a maintenance message's map key).</summary>
    public const int MaxNameLength = 256;
    public const int MaxPathLength = 1024;

    /// <summary>Backend, server, map key and map value names: <c>^[A-Za-z0-9._:/-]{1,256}\z</c>.</summary>
    [GeneratedRegex("^[A-Za-z0-9._:/-]{1,256}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>A map reference: an absolute file path as written in the config, or <c>#id</c>.</summary>
    [GeneratedRegex("^(/[A-Za-z0-9._/-]{1,1023}|#[0-9]{1,9})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex MapPattern();

    /// <summary>A server address: an IPv4 address, a bracketed IPv6 address or a host name.</summary>
    [GeneratedRegex(@"^([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex AddressPattern();

    public static string Name(string? value, string parameter)
    {
        if (value is null || !NamePattern().IsMatch(value))
        {
            throw Refuse(value, parameter, "must be 1-256 characters of A-Z a-z 0-9 . _ : / -");
        }

        return value;
    }

    public static string Map(string? value, string parameter)
    {
        if (value is null || !MapPattern().IsMatch(value))
        {
            throw Refuse(value, parameter, "must be an absolute path of A-Z a-z 0-9 . _ / - (at most 1024 characters) or #id");
        }

        return value;
    }

    public static string Address(string? value, string parameter)
    {
        if (value is null || !AddressPattern().IsMatch(value))
        {
            throw Refuse(value, parameter, "must be an IPv4 address, a [bracketed] IPv6 address or a host name");
        }

        return value;
    }

    public static string Port(int value, string parameter)
    {
        if (value is < 1 or > 65535)
        {
            throw new InvalidRuntimeArgumentException(parameter, $"{parameter} must be a port between 1 and 65535, got {value}.");
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A process id for the master CLI's <c>@!&lt;pid&gt;</c> prefix: a positive number, nothing else.</summary>
    public static string Pid(int value, string parameter)
    {
        if (value < 1)
        {
            throw new InvalidRuntimeArgumentException(parameter, $"{parameter} must be a process id (a positive number), got {value}.");
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    public static bool IsValidName(string? value) => value is not null && NamePattern().IsMatch(value);

    /// <summary>
    /// A refused value as it may be quoted in an error message: at most <paramref name="max"/> characters, control
    /// characters shown as <c>?</c>, so the message cannot break a log line or act on a terminal.
    /// </summary>
    public static string Printable(string? value, int max = 64)
    {
        if (value is null)
        {
            return "(null)";
        }

        var shown = new string(value.Take(max).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > max ? shown + "…" : shown;
    }

    public static bool IsValidMap(string? value) => value is not null && MapPattern().IsMatch(value);

    private static InvalidRuntimeArgumentException Refuse(string? value, string parameter, string rule)
    {
        var reason = value switch
        {
            null => "is missing",
            "" => "is empty",
            _ when value.Contains(';', StringComparison.Ordinal) => "contains ';' (a command separator)",
            _ when value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) => "contains a line break (ends a command)",
            _ when value.Contains('\\', StringComparison.Ordinal) => "contains '\\' (an escape)",
            _ when value.Any(char.IsWhiteSpace) => "contains whitespace (separates arguments)",
            _ when value.Length > MaxPathLength => $"is {value.Length} characters long",
            _ => "contains a character outside the allow-list",
        };
        return new InvalidRuntimeArgumentException(parameter, $"{parameter} {reason}: it {rule}.");
    }
}
