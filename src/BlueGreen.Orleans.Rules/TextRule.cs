using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Rules;

/// <summary>What a text field must look like: an allow-list pattern, and the same rule in words for error messages.</summary>
public sealed class TextRule
{
    private readonly Regex _pattern;

    internal TextRule(Regex pattern, string description)
    {
        _pattern = pattern;
        Description = description;
    }

    /// <summary>The rule in words, e.g. "1-63 characters of a-z 0-9 -, starting with a letter or digit".</summary>
    public string Description { get; }

    public bool IsValid([NotNullWhen(true)] string? value) => value is not null && _pattern.IsMatch(value);

    public override string ToString() => Description;
}
