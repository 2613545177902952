using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>
/// What the fleet must look like after the releases: every released service on green on every proxy, every other
/// service on blue, every release record complete and succeeded. Read from HAProxy itself (one <c>show map</c> per
/// proxy), from the proxy grains' desired routes and from the service grains; every mismatch is listed.
/// </summary>
internal sealed class ConsistencyCheck(int services, IReadOnlySet<int> released, int proxies)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>(proxy, released key) pairs found on green in HAProxy.</summary>
    public int ReleasedOnGreen { get; private set; }

    /// <summary>(proxy, untouched key) pairs found on blue in HAProxy.</summary>
    public int UntouchedOnBlue { get; private set; }

    /// <summary>Proxy grains whose desired routes equal what the map should hold.</summary>
    public int ProxyGrainsConsistent { get; private set; }

    public int RecordsComplete { get; private set; }

    public int ServicesConsistent { get; private set; }

    public static string ExpectedBackend(int service, bool isReleased) =>
        (isReleased ? Colour.Green : Colour.Blue).Backend(ScaleFleet.ServiceName(service));

    /// <summary>One proxy's runtime map, as <c>show map</c> returned it.</summary>
    public void CheckMap(string proxyId, IReadOnlyList<MapEntry> entries)
    {
        var byKey = entries.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToList(), StringComparer.Ordinal);
        if (entries.Count != services)
        {
            Problem($"{proxyId}: show map has {entries.Count} entries, expected {services}");
        }

        for (var i = 0; i < services; i++)
        {
            var key = ScaleFleet.RouteKey(i);
            var expected = ExpectedBackend(i, released.Contains(i));
            if (!byKey.TryGetValue(key, out var values))
            {
                Problem($"{proxyId}: {key} missing from the map");
            }
            else if (values.Count != 1 || values[0] != expected)
            {
                Problem($"{proxyId}: {key} → {string.Join(",", values)}, expected {expected}");
            }
            else if (released.Contains(i))
            {
                ReleasedOnGreen++;
            }
            else
            {
                UntouchedOnBlue++;
            }
        }
    }

    /// <summary>The proxy grain's desired routes: what its monitor would re-apply after a reload.</summary>
    public void CheckProxyGrain(ProxyStatus status)
    {
        var wrong = Enumerable.Range(0, services)
            .Count(i => status.Routes.GetValueOrDefault(ScaleFleet.RouteKey(i)) != ExpectedBackend(i, released.Contains(i)));
        if (wrong > 0 || status.Routes.Count != services)
        {
            Problem($"{status.Id}: the grain's desired routes hold {status.Routes.Count} keys, {wrong} not as expected");
        }
        else
        {
            ProxyGrainsConsistent++;
        }
    }

    /// <summary>A released service's deployment record: succeeded, every step in order, every proxy switched.</summary>
    public void CheckRecord(int service, DeploymentRecord? record)
    {
        var name = ScaleFleet.ServiceName(service);
        if (record is null)
        {
            Problem($"{name}: no deployment record");
            return;
        }

        var before = _problems.Count;
        var steps = DeploymentTimings.Of(record).Steps;
        Expect(record.Outcome == DeploymentOutcome.Succeeded && record.Step == DeploymentStep.Done && record.Error is null,
            $"{name}: deployment {record.Id} ended {record.Outcome} at {record.Step}: {record.Error}");
        Expect(record.From == Colour.Blue && record.Target == Colour.Green && record.Version == ScaleFleet.GreenVersion,
            $"{name}: deployment {record.Id} went {record.From.Name()} → {record.Target.Name()} {record.Version}");
        Expect(steps.SequenceEqual(DeploymentTimings.ReleaseSteps), $"{name}: steps {string.Join(" → ", steps)}");
        Expect(record.Events.Count > 0 && record.Events[0].Sequence == 1, $"{name}: the event log was truncated");
        Expect(record.FinishedAt is not null && record.SwitchDuration is not null && record.SwitchSkew is not null && record.Retired,
            $"{name}: record incomplete (finished {record.FinishedAt}, switch {record.SwitchDuration}, skew {record.SwitchSkew}, retired {record.Retired})");
        Expect(record.Proxies.Count == proxies && record.Proxies.All(p => p.Healthy && p.SwitchedAt is not null && p.Error is null),
            $"{name}: {record.Proxies.Count(p => p.SwitchedAt is not null)}/{proxies} proxies recorded as switched, {record.Proxies.Count(p => p.Healthy)} healthy");
        if (_problems.Count == before)
        {
            RecordsComplete++;
        }
    }

    /// <summary>The service grain's view: live colour, no deployment left active, history as expected.</summary>
    public void CheckService(int service, ServiceInfo? info, long? releaseId)
    {
        var name = ScaleFleet.ServiceName(service);
        var isReleased = released.Contains(service);
        var ok = info is not null
            && info.ActiveDeployment is null
            && info.LiveColour == (isReleased ? Colour.Green : Colour.Blue)
            && (isReleased
                ? info.LastDeployment?.Id == releaseId && info.Versions.GetValueOrDefault(Colour.Green) == ScaleFleet.GreenVersion
                : info.LastDeployment is null && info.Versions.GetValueOrDefault(Colour.Blue) == ScaleFleet.BlueVersion);
        if (ok)
        {
            ServicesConsistent++;
        }
        else
        {
            Problem($"{name}: live {info?.LiveColour.Name()}, active {info?.ActiveDeployment?.Id}, last {info?.LastDeployment?.Id} ({info?.LastDeployment?.Outcome}), expected {(isReleased ? "green after deployment " + releaseId : "blue, never deployed")}");
        }
    }

    public void Problem(string problem) => _problems.Add(problem);

    private void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            Problem(problem);
        }
    }
}
