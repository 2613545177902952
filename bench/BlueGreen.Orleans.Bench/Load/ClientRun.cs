namespace BlueGreen.Orleans.Bench.Load;

/// <summary>What one load client saw during one run.</summary>
/// <param name="Failed">Requests that did not end in 200: a transport error or another status.</param>
/// <param name="ByColour">Successful requests per colour of the echo that answered (empty when the client cannot tell).</param>
/// <param name="Errors">What the failures were, e.g. <c>[12] HTTP 502</c>.</param>
internal sealed record ClientRun(
    string Client,
    long Sent,
    long Failed,
    TimeSpan Duration,
    double P50Ms,
    double P99Ms,
    IReadOnlyDictionary<string, long> ByColour,
    IReadOnlyList<string> Errors)
{
    public double RequestsPerSecond => Duration > TimeSpan.Zero ? Sent / Duration.TotalSeconds : 0;
}
