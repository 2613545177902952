using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Harness.Load;
using Spectre.Console;

namespace BlueGreen.Orleans.Demo;

/// <summary>The closing tables: what the clients saw, and what each deployment took (from its persisted record).</summary>
internal static class DemoSummary
{
    public static void Write(IAnsiConsole console, LoadResult load, IReadOnlyList<DeploymentRecord> deployments, IReadOnlyList<string?> routes)
    {
        var traffic = new Table().Title("[bold]Clients[/]").AddColumns("requests sent", "failed", "req/s", "p50 ms", "p99 ms", "max ms", "answered by");
        traffic.AddRow(
            $"{load.Sent:N0}",
            load.Failed == 0 ? "[green]0[/]" : $"[red]{load.Failed:N0}[/]",
            $"{load.RequestsPerSecond:N0}",
            $"{load.Percentile(0.50):0.0}",
            $"{load.Percentile(0.99):0.0}",
            $"{load.Percentile(1.0):0.0}",
            Markup.Escape(string.Join(", ", load.ByColour.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value:N0}"))));
        console.Write(traffic);

        var table = new Table().Title("[bold]Deployments[/]").AddColumns(
            "#", "kind", "version", "colours", "outcome", "total s", "switch ms", "skew ms", "drain ms");
        foreach (var d in deployments)
        {
            table.AddRow(
                $"{d.Id}",
                d.Kind.ToString(),
                Markup.Escape(d.Version),
                $"{d.From.Name()}→{d.Target.Name()}",
                d.Outcome == DeploymentOutcome.Succeeded ? "[green]succeeded[/]" : $"[red]{d.Outcome}[/]",
                d.FinishedAt is { } end ? $"{(end - d.CreatedAt).TotalSeconds:0.000}" : "-",
                d.SwitchDuration is { } s ? $"{s.TotalMilliseconds:0.0}" : "-",
                d.SwitchSkew is { } k ? $"{k.TotalMilliseconds:0.0}" : "-",
                DrainTime(d) is { } drain ? $"{drain.TotalMilliseconds:0}" : "-");
        }

        console.Write(table);
        console.MarkupLineInvariant($"Routes now: {Markup.Escape(string.Join(", ", routes.Select((r, i) => $"{DemoStage.ProxyId(i)} → {r}")))}");
    }

    /// <summary>From the first event of the Drain step to the first event after it.</summary>
    private static TimeSpan? DrainTime(DeploymentRecord record)
    {
        var start = record.Events.FirstOrDefault(e => e.Step == DeploymentStep.Drain)?.At;
        var end = start is null ? null : record.Events.FirstOrDefault(e => e.Step > DeploymentStep.Drain && e.At >= start)?.At;
        return end - start;
    }
}
