namespace BlueGreen.Orleans.Bench;

/// <summary>Order statistics of a series of latencies, in milliseconds.</summary>
internal sealed record LatencyStats(int Count, double Median, double P90, double P99, double Mean, double Max)
{
    public static LatencyStats Of(IReadOnlyCollection<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return new LatencyStats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99), sorted.Average(), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
