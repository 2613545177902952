namespace BlueGreen.Orleans.Harness.Load;

/// <summary>One consistent reading of <see cref="LoadCounters"/>: <see cref="Answered"/> + <see cref="Failed"/> ≤ <see cref="Sent"/>.</summary>
public sealed record LoadCounts(long Sent, long Failed, IReadOnlyDictionary<string, long> ByColour)
{
    /// <summary>Requests answered with 200, every colour.</summary>
    public long Answered => ByColour.Values.Sum();
}
