using Google.Protobuf.WellKnownTypes;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>The hostile values each kind of field gets: injection characters, control characters, odd text, sizes and ranges.</summary>
public static class HostileValues
{
    public const int TenKilobytes = 10 * 1024;

    /// <summary>
    /// Strings built on a valid value of the field (so an allow-list that only checks a prefix, or is anchored with
    /// <c>$</c>, is caught) and some standing alone. The <c>;</c> and newline ones carry a Runtime API command.
    /// </summary>
    public static IReadOnlyList<HostileValue> Strings(string valid) =>
    [
        new("empty", string.Empty, Empty: true),
        new("; and a second command", valid + "; disable server web_blue/s1"),
        new("CR", valid + "\r", Control: true),
        new("LF", valid + "\n", Control: true),
        new("LF and a second command", valid + "\nshutdown sessions server web_blue/s1", Control: true),
        new("CRLF and a forged log line", valid + "\r\nFORGED-LOG-LINE", Control: true),
        new("NUL", valid + "\0", Control: true),
        new("backslash", valid + "\\"),
        new("space inside", valid + " x"),
        new("leading space", " " + valid),
        new("double quotes", "\"" + valid + "\""),
        new("single quote", valid + "'"),
        new("unicode é", valid + "é"),
        new("fullwidth letters", "ｗｅｂ"),
        new("right-to-left override", valid + "\u202E"),
        new("10 KB", new string('a', TenKilobytes)),
    ];

    public static IReadOnlyList<HostileValue> Integers { get; } =
    [
        new("-1", -1L),
        new("0", 0L),
        new("65536", 65_536L, WellFormedUnknown: true),
        new("int.MinValue", (long)int.MinValue),
        new("int.MaxValue", (long)int.MaxValue, WellFormedUnknown: true),
    ];

    public static IReadOnlyList<HostileValue> Doubles { get; } =
    [
        new("-0.5", -0.5),
        new("1.5", 1.5),
        new("NaN", double.NaN),
        new("+infinity", double.PositiveInfinity),
        new("-infinity", double.NegativeInfinity),
        new("double.MaxValue", double.MaxValue),
    ];

    public static IReadOnlyList<HostileValue> Durations { get; } =
    [
        new("-5s", new Duration { Seconds = -5 }),
        new("-1ns", new Duration { Nanos = -1 }),
        new("mixed signs 5s -1ns", new Duration { Seconds = 5, Nanos = -1 }),
        new("not normalized 0s 2e9ns", new Duration { Nanos = 2_000_000_000 }),
        new("24h and 1ms", new Duration { Seconds = 86_400, Nanos = 1_000_000 }),
        new("10 years", new Duration { Seconds = 10L * 365 * 86_400 }),
        new("long.MaxValue s", new Duration { Seconds = long.MaxValue }),
        new("long.MinValue s", new Duration { Seconds = long.MinValue }),
    ];

    public static IReadOnlyList<HostileValue> Enums { get; } =
    [
        new("unknown 99", 99),
        new("negative -1", -1),
    ];

    public static IReadOnlyList<HostileValue> For(FieldSlot slot, string valid) => slot.Kind switch
    {
        SlotKind.Number => Integers,
        SlotKind.Fraction => Doubles,
        SlotKind.Duration => Durations,
        SlotKind.EnumValue => Enums,
        _ => Strings(valid),
    };
}
