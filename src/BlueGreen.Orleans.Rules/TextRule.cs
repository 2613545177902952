using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Rules;

/// <summary>What a text field must look like: an allow-list pattern, and the same rule in words for error messages.</summary>
public sealed class TextRule
{
    private readonly Regex _pattern;
    private readonly Func<string, bool>? _also;

    /// <param name="also">A check a pattern cannot say well (a length in bytes), run on values the pattern passed.</param>
    internal TextRule(Regex pattern, string description, Func<string, bool>? also = null)
    {
        _pattern = pattern;
        Description = description;
        _also = also;
    }

    /// <summary>The rule in words, e.g. "1-63 characters of a-z 0-9 -, starting with a letter or digit".</summary>
    public string Description { get; }

    public bool IsValid([NotNullWhen(true)] string? value) => value is not null && _pattern.IsMatch(value) && (_also is null || _also(value));

    public override string ToString() => Description;
}
