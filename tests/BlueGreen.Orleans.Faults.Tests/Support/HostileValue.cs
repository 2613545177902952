namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <param name="Label">What the value is, for the report and failure messages (the value itself may be 10 KB).</param>
/// <param name="Control">Holds a control character (CR, LF, NUL…): refused by every field, free text included.</param>
/// <param name="Empty">The empty string: proto3's "not set", which an optional field may accept.</param>
/// <param name="WellFormedUnknown">Well-formed but names nothing (a number out of any range the server holds): NOT_FOUND is the right answer too.</param>
public sealed record HostileValue(string Label, object Value, bool Control = false, bool Empty = false, bool WellFormedUnknown = false)
{
    public override string ToString() => Label;
}
