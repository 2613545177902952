using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BlueGreen.Orleans.Grains.Telemetry;

namespace BlueGreen.Orleans.Grains.Tests.Telemetry;

/// <summary>
/// Listens to the <c>BlueGreen.Orleans</c> spans and to the measurements of one meter factory (one silo). Spans are
/// process-wide, so tests pick theirs by trace id; measurements are scoped to the factory, so parallel tests never mix.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly ActivityListener _spans;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)> _measurements = new();

    public TelemetryCapture(IMeterFactory? scope = null)
    {
        _spans = new ActivityListener
        {
            ShouldListenTo = s => s.Name == BlueGreenTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_spans);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (scope is not null && instrument.Meter.Name == BlueGreenTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _meters.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        _meters.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _meters.Start();
    }

    /// <summary>The stopped spans of one trace, in the order they started.</summary>
    public IReadOnlyList<Activity> Trace(string? traceParent)
    {
        Assert.NotNull(traceParent);
        var id = ActivityContext.Parse(traceParent, null).TraceId;
        return [.. _stopped.Where(a => a.TraceId == id).OrderBy(a => a.StartTimeUtc)];
    }

    public IReadOnlyList<(double Value, IReadOnlyDictionary<string, object?> Tags)> Measurements(string instrument)
    {
        _meters.RecordObservableInstruments();
        return [.. _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];
    }

    public void Dispose()
    {
        _spans.Dispose();
        _meters.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
