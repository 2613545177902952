using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Bench.Scale;

/// <summary>The markdown of the scale section: setup, issue 16's figures, registration, releases, per-step times, consistency, memory.</summary>
internal static class ScaleReport
{
    public static string Render(ScaleResult r)
    {
        var o = r.Options;
        var c = o.Check;
        var md = new StringBuilder();
        void Line(string text) => md.AppendLine(text);
        string S(TimeSpan t) => F($"{t.TotalSeconds:0.00} s");

        Line(F($"{o.Services} services × {o.Proxies} haproxy processes (each on its own 127.0.0.x, each config holding all {o.Services * 2} backends: {o.Services * 2} servers, {r.ConfigBytes / 1024} KiB rendered by `HaProxyConfigRenderer`), 2 silos (role Silo) over one redis-server, {o.Releases} releases started at once through `IClusterClient`."));
        Line(string.Empty);
        Line(F($"- Instances: the `external` runtime. One blue and one green echo process serve every service's only server; the orchestrator starts and stops nothing, so the figures are its own (health gating, switch, drain, persistence), not {o.Releases} process starts on 2 shared cores."));
        Line(F($"- Health checks: `inter {Ms(c.Interval)} fastinter {Ms(c.FastInterval)} downinter {Ms(c.DownInterval)} rise {c.Rise} fall {c.Fall}` on {o.Proxies * o.Services * 2:N0} servers ({o.Proxies * o.Services * 2 / c.Interval.TotalSeconds:N0} checks/s at rest). The release forces the target DOWN, so it waits for the next scheduled check (up to `inter`) plus one `fastinter`."));
        Line(F($"- Product defaults: proxy monitor {S(o.MonitorInterval)}, deployment poll {Ms(o.PollInterval)}; spec defaults: health timeout 60 s, drain timeout 30 s, no verify window, no keep-warm. No client traffic: the drain finds 0 sessions."));
        Line(F($"- Machine: 2 cores shared with other work; 1-minute load average {r.LoadAverage.Start:0} when the releases started, {r.LoadAverage.End:0} when they ended. Times are wall-clock on that machine."));
        Line(string.Empty);
        ScaleTargets.Render(md, r);

        Line("| phase | figure |");
        Line("|---|---:|");
        Line(F($"| {o.Proxies} haproxy started (config loaded, Runtime API answering) | {S(r.ProxyStartTime)} |"));
        Line(F($"| {o.Proxies} proxies registered (in parallel) | {S(r.ProxyRegistration)} |"));
        Line(F($"| **{o.Services} services × {o.Proxies} proxies registered** ({o.ApplyParallelism} applies in flight; {o.Services * o.Proxies:N0} routes set and mirrored to map files) | **{S(r.ServiceRegistration)}** ({o.Services / r.ServiceRegistration.TotalSeconds:0.0} services/s) |"));
        if (r.ApplyLatency is { } apply)
        {
            Line(F($"| one apply (route on {o.Proxies} proxies): median / p90 / max | {apply.Median:0} / {apply.P90:0} / {apply.Max:0} ms |"));
        }

        if (r.Registering is { } registering)
        {
            Line(F($"| CPU while registering ({registering.Window.TotalSeconds:0} s; the machine has 2 cores): {o.Proxies} haproxy / 2 echo / 2 silos | {registering.HaProxyCores:0.00} / {registering.EchoCores:0.00} / {registering.SiloCores:0.00} cores |"));
        }

        if (r.Idle is { } idle)
        {
            Line(F($"| CPU at rest over {idle.Window.TotalSeconds:0} s: {o.Proxies} haproxy / 2 echo / 2 silos | {idle.HaProxyCores:0.00} / {idle.EchoCores:0.00} / {idle.SiloCores:0.00} cores |"));
        }

        Line(F($"| {o.Releases} `ReleaseAsync` calls returned (deployments created and persisted) | {S(r.ReleasesAccepted)} |"));
        Line(F($"| **{o.Releases} concurrent releases, wall time** (first call → bench saw the last one finished, 250 ms polls) | **{S(r.ReleasesWall)}** |"));
        if (r.Burst is { } burst)
        {
            Line(F($"| CPU in the releases' first {burst.Window.TotalSeconds:0.0} s (all provision at once; the machine has 2 cores): {o.Proxies} haproxy / 2 echo / 2 silos | {burst.HaProxyCores:0.00} / {burst.EchoCores:0.00} / {burst.SiloCores:0.00} cores |"));
        }

        if (r.Wave is { } wave)
        {
            Line(F($"| CPU while the releases ran ({wave.Window.TotalSeconds:0.0} s; the machine has 2 cores): {o.Proxies} haproxy / 2 echo / 2 silos | {wave.HaProxyCores:0.00} / {wave.EchoCores:0.00} / {wave.SiloCores:0.00} cores |"));
        }
        var records = r.Records.Values.ToList();
        if (records.Count > 0)
        {
            var span = records.Max(d => d.FinishedAt ?? d.CreatedAt) - records.Min(d => d.CreatedAt);
            Line(F($"| same, from the records (first created → last finished) | {S(span)} |"));
        }

        Line(string.Empty);
        RenderSteps(md, records, o);
        RenderConsistency(md, r);
        RenderMemory(md, r);
        return md.ToString();
    }

    private static void RenderSteps(StringBuilder md, List<DeploymentRecord> records, ScaleOptions o)
    {
        if (records.Count == 0)
        {
            md.AppendLine("No release finished: no step times.").AppendLine();
            return;
        }

        var timings = records.Select(DeploymentTimings.Of).ToList();
        md.AppendLine(F($"Orchestrator time per step, from the step timestamps of the {records.Count} deployment records (a step ends where the next begins, persistence included):"));
        md.AppendLine();
        md.AppendLine("| step | median ms | p90 ms | max ms |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var step in DeploymentTimings.ReleaseSteps.Where(s => s != DeploymentStep.Done))
        {
            var values = timings.Where(t => t.Durations.ContainsKey(step)).Select(t => t.Durations[step].TotalMilliseconds).ToList();
            if (values.Count > 0)
            {
                var s = LatencyStats.Of(values);
                md.AppendLine(F($"| {step}{(values.Count < records.Count ? $" ({values.Count} records)" : string.Empty)} | {s.Median:0.0} | {s.P90:0.0} | {s.Max:0.0} |"));
            }
        }

        var total = LatencyStats.Of(timings.Select(t => t.Total.TotalMilliseconds).ToList());
        md.AppendLine(F($"| whole deployment | {total.Median:0.0} | {total.P90:0.0} | {total.Max:0.0} |"));
        var switches = timings.Where(t => t.SwitchDuration is not null).ToList();
        if (switches.Count > 0)
        {
            var duration = LatencyStats.Of(switches.Select(t => t.SwitchDuration!.Value.TotalMilliseconds).ToList());
            var skew = LatencyStats.Of(switches.Select(t => t.SwitchSkew!.Value.TotalMilliseconds).ToList());
            md.AppendLine(F($"| fleet switch duration (first `set map` sent → last of {o.Proxies} proxies confirmed) | {duration.Median:0.0} | {duration.P90:0.0} | {duration.Max:0.0} |"));
            md.AppendLine(F($"| fleet switch skew (last proxy switched − first) | {skew.Median:0.0} | {skew.P90:0.0} | {skew.Max:0.0} |"));
        }

        md.AppendLine();
    }

    private static void RenderConsistency(StringBuilder md, ScaleResult r)
    {
        var o = r.Options;
        var c = r.Consistency;
        var untouched = o.Services - o.Releases;
        md.AppendLine("Consistency after the releases (one `show map` per proxy, the proxy grains' desired routes, every service grain, every release record):");
        md.AppendLine();
        md.AppendLine("| check | result | expected |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(F($"| released services on green, (proxy, service) pairs in `show map` | {c.ReleasedOnGreen} | {o.Releases * o.Proxies} |"));
        md.AppendLine(F($"| untouched services still on blue, (proxy, service) pairs in `show map` | {c.UntouchedOnBlue} | {untouched * o.Proxies} |"));
        md.AppendLine(F($"| proxy grains whose desired routes match | {c.ProxyGrainsConsistent} | {o.Proxies} |"));
        md.AppendLine(F($"| release records succeeded and complete (Provision → AwaitHealthy → Switch → Drain → Retire → Done, every proxy healthy and switched, skew recorded) | {c.RecordsComplete} | {o.Releases} |"));
        md.AppendLine(F($"| service grains on the expected live colour, nothing active (released: green; untouched: blue, never deployed) | {c.ServicesConsistent} | {o.Services} |"));
        md.AppendLine();
        if (c.Problems.Count == 0)
        {
            md.AppendLine("Result: **consistent** — every release succeeded on every proxy and nothing else moved.");
        }
        else
        {
            md.AppendLine(F($"Result: **{c.Problems.Count} inconsistencies** (the bench exits 1). First ones:"));
            md.AppendLine();
            foreach (var problem in c.Problems.Take(10))
            {
                md.AppendLine("- " + problem.Replace("|", "\\|", StringComparison.Ordinal));
            }
        }

        md.AppendLine();
    }

    private static void RenderMemory(StringBuilder md, ScaleResult r)
    {
        var silos = string.Join(" / ", r.SiloPeakRssMiB.Select(m => m is { } v ? F($"{v:0} MiB") : "n/a"));
        md.AppendLine(F($"Peak RSS (VmHWM) of the silos: {silos}."));
        if (r.Redis is { } redis)
        {
            md.AppendLine(F($"Redis: {redis.Keys} keys, peak memory {redis.PeakMemoryMiB:0.0} MiB."));
        }
    }

    private static string Ms(TimeSpan t) => F($"{t.TotalMilliseconds:0}ms");

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
