using Spectre.Console.Rendering;

namespace BlueGreen.Orleans.Cli.Output;

/// <summary>
/// Parts one under the other, like Spectre's <c>Rows</c>, but open: <see cref="Render.Print"/> fits the tables in it
/// (see <see cref="TableFit"/>), and it measures as wide as its widest part needs.
/// </summary>
internal sealed class Stack(params IRenderable[] parts) : IRenderable
{
    public IReadOnlyList<IRenderable> Parts => parts;

    public Measurement Measure(RenderOptions options, int maxWidth)
    {
        var measurements = parts.Select(p => p.Measure(options, maxWidth)).ToList();
        return measurements.Count == 0 ? new Measurement(0, 0) : new Measurement(measurements.Max(m => m.Min), measurements.Max(m => m.Max));
    }

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        foreach (var part in parts)
        {
            var segments = part.Render(options, maxWidth).ToList();
            foreach (var segment in segments)
            {
                yield return segment;
            }

            if (segments.Count > 0 && !segments[^1].IsLineBreak)
            {
                yield return Segment.LineBreak;
            }
        }
    }
}
