using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// Checks done before any I/O. A name becomes a container name and a file name, so it must never carry a path
/// separator, a leading dot or dash, or anything Docker would refuse. The parameter name is the caller's expression
/// (e.g. <c>spec.Name</c>), so the exception names the field.
/// </summary>
internal static partial class InstanceValidation
{
    /// <summary>The allowed instance names (\z, not $: $ also matches before a trailing newline).</summary>
    public const string NamePatternText = @"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\z";

    public static void Name(string? name, [CallerArgumentExpression(nameof(name))] string? paramName = null)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid instance name: 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit.",
                paramName);
        }
    }

    public static void Required(string? value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("A value is required here.", paramName);
        }
    }

    public static void EnvironmentVariables(
        IReadOnlyDictionary<string, string> variables,
        [CallerArgumentExpression(nameof(variables))] string? paramName = null)
    {
        foreach (var (key, value) in variables)
        {
            // Both become "KEY=VALUE" C strings: an '=' in the key or a NUL anywhere silently changes the meaning.
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal)
                || value is null || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Environment variable '{key}' is invalid: no empty key, no '=' in the key, no NUL.", paramName);
            }
        }
    }

    public static void Timeout(TimeSpan timeout, [CallerArgumentExpression(nameof(timeout))] string? paramName = null)
    {
        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, timeout, "A timeout cannot be negative.");
        }
    }

    [GeneratedRegex(NamePatternText, RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
