namespace BlueGreen.Orleans.Rules;

/// <summary>The bounds of a duration field: never negative, at most 24 h, and for some fields more than 0.</summary>
public sealed class DurationRule
{
    public static readonly TimeSpan Max = TimeSpan.FromHours(24);

    private DurationRule(bool allowZero) => AllowZero = allowZero;

    /// <summary>0 to 24 h: 0 means "none" (no drain wait, nothing kept warm, no verify window).</summary>
    public static DurationRule ZeroOrMore { get; } = new(allowZero: true);

    /// <summary>More than 0, at most 24 h: a deadline of 0 could never be met.</summary>
    public static DurationRule Positive { get; } = new(allowZero: false);

    public bool AllowZero { get; }

    public string Description => AllowZero ? "between 0 and 24 h" : "more than 0 and at most 24 h";

    public bool IsValid(TimeSpan value) => value >= TimeSpan.Zero && value <= Max && (AllowZero || value > TimeSpan.Zero);

    public override string ToString() => Description;
}
