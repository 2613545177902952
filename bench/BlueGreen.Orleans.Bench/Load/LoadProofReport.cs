using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>The markdown tables of the load proof and the one-line summaries printed as it runs.</summary>
internal static class LoadProofReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Summary(ScenarioResult s)
    {
        var run = s.Run is { } r
            ? string.Create(Invariant, $"sent {r.Sent:N0}, failed {r.Failed:N0}{(r.Errors.Count > 0 ? $" ({string.Join("; ", r.Errors.Take(3))})" : "")}, {r.RequestsPerSecond:N0} req/s, p50 {r.P50Ms:0.0} ms, p99 {r.P99Ms:0.0} ms")
            : "no load result";
        var deployments = string.Join(", ", s.Deployments.Select(Deployment));
        return $"  {run}; {deployments}; {(s.Failures.Count == 0 ? "PASS" : "FAIL: " + string.Join("; ", s.Failures))}";
    }

    public static string Summary(ControlResult c) => c.Run is { } r
        ? string.Create(Invariant, $"  blue killed {Ms(c.KillAfter)} ms after the switch; sent {r.Sent:N0}, failed {r.Failed:N0} ({string.Join("; ", r.Errors.Take(3))}); {Verdict(c).Replace("**", "", StringComparison.Ordinal)}")
        : $"  FAIL: {c.Error}";

    public static string Render(LoadProofOptions options, IReadOnlyList<ScenarioResult> scenarios, IReadOnlyList<ControlResult> controls)
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"{options.Clients} concurrent clients, at least {options.Requests:N0} requests per scenario, while a real `bluegreen-server` (embedded mode) runs release (version 2, blue → green), promote (green's version to blue) and rollback (back to green) back to back. Each scenario is a fresh fleet: N haproxy 2.6 processes, each on its own 127.0.0.x address, and echo processes as the instances, started and stopped by the server.")
            .AppendLine()
            .AppendLine("| proxies | client | requests sent | failed | req/s | p50 ms | p99 ms | release | promote | rollback | answered by | claim |")
            .AppendLine("|---:|---|---:|---:|---:|---:|---:|---|---|---|---|---|");
        foreach (var s in scenarios)
        {
            var r = s.Run;
            md.Append(Invariant, $"| {s.Proxies} | {s.Client} | ")
                .Append(r is null ? "– | – | – | – | – | " : string.Create(Invariant, $"{r.Sent:N0} | {r.Failed:N0} | {r.RequestsPerSecond:N0} | {r.P50Ms:0.0} | {r.P99Ms:0.0} | "));
            foreach (var kind in new[] { DeploymentKind.Release, DeploymentKind.Promote, DeploymentKind.Rollback })
            {
                var d = s.Deployments.FirstOrDefault(x => x.Kind == kind);
                md.Append(d is null ? "not run" : Deployment(d)).Append(" | ");
            }

            md.Append(r is null || r.ByColour.Count == 0 ? "(hey cannot tell)" : string.Join(", ", r.ByColour.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(Invariant, $"{c.Key} {c.Value:N0}"))))
                .Append(" | ")
                .Append(s.Failures.Count == 0 ? "**pass**" : "**FAIL**: " + Escape(string.Join("; ", s.Failures)))
                .AppendLine(" |");
        }

        md.AppendLine()
            .AppendLine("Deployments as the server recorded them (duration: created → finished; fleet switch: first `set map` sent → last proxy confirmed; skew: last proxy switched − first):")
            .AppendLine()
            .AppendLine("| proxies | client | deployment | colours | version | outcome | duration s | fleet switch ms | skew ms |")
            .AppendLine("|---:|---|---|---|---|---|---:|---:|---:|");
        foreach (var s in scenarios)
        {
            foreach (var d in s.Deployments)
            {
                md.AppendLine(Invariant,
                    $"| {s.Proxies} | {s.Client} | {d.Kind.ToString().ToLowerInvariant()} | {(d.From is { } f && d.To is { } t ? $"{f.Name()} → {t.Name()}" : "–")} | {d.Version ?? "–"} | {(d.Outcome?.ToString() ?? "not run") + (d.Error is null ? "" : ": " + Escape(d.Error))} | {Seconds(d.Duration)} | {Ms(d.SwitchDuration)} | {Ms(d.SwitchSkew)} |");
            }
        }

        md.AppendLine()
            .AppendLine(Invariant, $"Negative control (same command): the naive way. One haproxy, both colours answering after {options.ControlDelayMs} ms; under the same load ({options.Clients} clients) the map is switched to green with `set map` and blue is killed (SIGKILL) at once, without draining. Requests in flight on blue die with it; a client that can see failures must see them. The control passes when it sees failures; hey with keep-alive is shown for information only (see the notes).")
            .AppendLine()
            .AppendLine("| control | client | blue killed after switch, ms | requests sent | failed | what failed | control |")
            .AppendLine("|---|---|---:|---:|---:|---|---|");
        foreach (var c in controls)
        {
            md.Append(Invariant, $"| switch, then kill the old colour at once | {c.Client} | {Ms(c.KillAfter)} | ")
                .Append(c.Run is { } r
                    ? string.Create(Invariant, $"{r.Sent:N0} | {r.Failed:N0} | {Escape(string.Join("; ", r.Errors.Take(4)))} | ")
                    : $"– | – | {Escape(c.Error ?? "")} | ")
                .Append(Verdict(c))
                .AppendLine(" |");
        }

        md.AppendLine()
            .AppendLine("Notes:")
            .AppendLine()
            .AppendLine("- The claim holds for a scenario when not one request failed (a transport error or any status but 200), at least the requested number were sent, all three deployments succeeded and every proxy routes to green at the end; the bench exits non-zero otherwise, and when a required negative control sees no failure.")
            .AppendLine("- `bluegreen-load` is the project's own closed-loop generator (harness/BlueGreen.Orleans.Harness/Load): raw sockets, one keep-alive connection per client, one request at a time, clients spread round-robin over the proxies' frontends, and it **never retries**. Latency percentiles are over every request.")
            .AppendLine(Invariant, $"- `hey` (Go, net/http) runs as one process per proxy against that proxy's frontend, the {options.Clients} clients split between them (`-c`), with `-n` requests per round and `-host {LoadFleet.Host}`; when a round ends before the deployments, another round starts (a gap of a few ms without load). Failed = every non-200 in hey's status code distribution plus every entry of its error distribution. Its p50/p99 are the largest of the hey processes' own percentiles (hey reports no merged figure), so an upper bound when there are several proxies.")
            .AppendLine("- Go's net/http (so hey) transparently resends an idempotent request (a GET) when a reused keep-alive connection was closed before any byte of the response came back, and HAProxy closes a keep-alive client connection without a response when the server dies under a request that was not the connection's first, precisely so that a client may resend it. Such a failure never shows in hey's counts: the control above with hey and keep-alive shows how many it hid. That is why the project's generator, which never retries, is the reference for the claim, and hey a second, independent opinion; `hey -disable-keepalive` (a new connection per request, nothing to resend) shows hey's own counting does see failures.")
            .AppendLine("- Timings come from a shared 2-core machine where other builds and tests run at the same time: throughput and latency are indications, the failure counts are the claim.");
        return md.ToString();
    }

    private static string Verdict(ControlResult c) => c.Required
        ? c.Passed ? "**pass** (failures seen)" : "**FAIL** (no failure seen)"
        : c.SawFailures ? "information: failures seen" : "information: none seen (resent by the client)";

    private static string Deployment(DeploymentTiming d) => d.Succeeded
        ? $"{Seconds(d.Duration)} s ✓"
        : $"{d.Outcome?.ToString() ?? "not run"}{(d.Error is null ? "" : ": " + Escape(d.Error))}";

    private static string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", Invariant) : "–";

    private static string Ms(TimeSpan? t) => t is { } v ? v.TotalMilliseconds.ToString("0.0", Invariant) : "–";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
