using System.Globalization;
using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Rendering;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Output;

/// <summary>How messages look: Spectre tables for people, proto JSON for scripts.</summary>
internal static class Render
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static void Write(CliContext context, IMessage message, Func<IRenderable> table)
    {
        if (context.Output == OutputFormat.Json)
        {
            context.Console.Profile.Out.Writer.WriteLine(Json.Format(message));
        }
        else
        {
            Print(context.Console, table());
        }
    }

    /// <summary>
    /// Writes within the console's width, or wider when a table cannot fit there without cutting a word (see
    /// <see cref="TableFit"/>): a terminal wraps an over-long line, and a wrapped line loses nothing.
    /// </summary>
    public static void Print(IAnsiConsole console, IRenderable view)
    {
        var width = console.Profile.Width;
        var options = RenderOptions.Create(console, console.Profile.Capabilities);
        List<Table> tables = view switch
        {
            Table table => [table],
            Stack stack => [.. stack.Parts.OfType<Table>()],
            _ => [],
        };
        var needed = tables.Count == 0 ? 0 : tables.Max(t => TableFit.Fit(t, options, width));
        if (needed <= width)
        {
            console.Write(view);
            return;
        }

        console.Profile.Width = needed;
        try
        {
            console.Write(view);
        }
        finally
        {
            console.Profile.Width = width;
        }
    }

    public static IRenderable Proxies(IEnumerable<V1.Proxy> proxies)
    {
        // The mode comes after the endpoints, which an agent-mode proxy has none of on this side ("-").
        var table = new Table().AddColumns("proxy", "runtime api", "master api", "mode", "reachable", "pid", "routes", "last error");
        foreach (var p in proxies)
        {
            var agent = p.Mode == V1.ProxyMode.Agent;
            table.AddRow(
                Markup.Escape(p.Id),
                agent ? "-" : Markup.Escape(p.RuntimeApi),
                p.MasterApi.Length == 0 ? "-" : Markup.Escape(p.MasterApi),
                agent ? "agent: " + Agent(p) : "direct",
                // Agent mode: the server computes it too (agent connected, snapshot fresh).
                p.Reachable ? "[green]yes[/]" : "[red]no[/]",
                p.Pid.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(", ", p.Routes.Select(r => $"{r.Key} → {r.Value}"))),
                Markup.Escape(p.LastError));
        }

        return table;
    }

    /// <summary>An agent-mode proxy's agent in place of its runtime API: connected or not, version, held routes, snapshot age.</summary>
    private static string Agent(V1.Proxy p)
    {
        if (!p.AgentConnected)
        {
            return p.AgentLastSeen is { } seen
                ? string.Create(CultureInfo.InvariantCulture, $"[red]agent not connected[/] (last seen {seen.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC)")
                : "[red]agent not connected[/] (never seen)";
        }

        var snapshot = p.AgentSnapshotAge is { } age ? string.Create(CultureInfo.InvariantCulture, $", snapshot {age.ToTimeSpan().TotalSeconds:0.0} s old") : string.Empty;
        // The version without its build metadata (the commit, in the JSON output): a table cell, not a build log.
        var version = p.AgentVersion.Split('+')[0];
        return string.Create(CultureInfo.InvariantCulture, $"[green]agent connected[/] {Markup.Escape(version)}, routes v{p.AgentRoutesVersion}{snapshot}");
    }

    public static IRenderable Proxy(V1.Proxy p)
    {
        var table = new Table().AddColumns("backend", "server", "status", "check", "sessions");
        foreach (var b in p.Backends)
        {
            foreach (var s in b.Servers)
            {
                table.AddRow(Markup.Escape(b.Name), Markup.Escape(s.Name), Status(s.Status), Markup.Escape(s.CheckStatus), s.Sessions.ToString(CultureInfo.InvariantCulture));
            }
        }

        // The proxy's monitor reads these; the call itself asks HAProxy nothing.
        if (p.BackendsReadAt is { } read)
        {
            var age = DateTimeOffset.UtcNow - read.ToDateTimeOffset();
            table.Caption(string.Create(CultureInfo.InvariantCulture, $"as the proxy's monitor read them {Math.Max(0, age.TotalSeconds):0.0} s ago ({read.ToDateTimeOffset().ToLocalTime():HH:mm:ss})"));
        }

        var credential = p.AgentCredential.Length == 0
            ? Text.Empty
            : new Text($"agent credential (shown once; give it to bluegreen-agent --credential-file, mode 600):\n{p.AgentCredential}\n");
        return new Stack(Proxies([p]), Changed("registered", p.RegisteredBy, p.RegisteredAt), table, credential);
    }

    /// <summary>One service with who applied it and its active and last deployments.</summary>
    public static IRenderable Service(V1.Service s) =>
        new Stack(Services([s]), Changed("applied", s.AppliedBy, s.AppliedAt), Maintenance(s), Warm(s), Hooks(s), History(new[] { s.ActiveDeployment, s.LastDeployment }.OfType<V1.Deployment>()));

    /// <summary>Whether the service is in maintenance: since when, by whom, and what its page says.</summary>
    public static Markup Maintenance(V1.Service s) => new(s.Maintenance is not { } m
        ? string.Empty
        : $"[red]in maintenance[/] [grey]since[/] {Time(m.At)} UTC [grey]by[/] {Markup.Escape(m.By)}: {MaintenanceMessage(m)}\n");

    /// <summary>Maintenance turned on and off, newest first.</summary>
    public static IRenderable MaintenanceHistory(IEnumerable<V1.MaintenanceChange> changes)
    {
        var table = new Table().AddColumns("maintenance", "by", "at", "message");
        foreach (var m in changes)
        {
            table.AddRow(m.Enabled ? "[red]on[/]" : "off", Markup.Escape(m.By), Time(m.At), m.Enabled ? MaintenanceMessage(m) : "-");
        }

        return table;
    }

    private static string MaintenanceMessage(V1.MaintenanceChange m) => m.Message.Length == 0 ? "[grey](default page)[/]" : $"\"{Markup.Escape(m.Message)}\"";

    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? "-" : at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The colours kept warm after a deployment, and when each is retired.</summary>
    private static Markup Warm(V1.Service s) => new(string.Concat(s.WarmUntil.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w =>
        $"[grey]{Markup.Escape(w.Key)} kept warm until[/] {w.Value.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC\n")));

    /// <summary>The service's webhooks, one line each, and the secret file they are signed with (its name: the key is never sent).</summary>
    public static Markup Hooks(V1.Service s) => new(s.Spec?.Hooks is not { Count: > 0 } hooks
        ? string.Empty
        : $"[grey]hooks, signed with the server's secret file[/] {Markup.Escape(s.Spec.HookSecret)}[grey]:[/]\n" + string.Concat(hooks.Select(h =>
            string.Create(CultureInfo.InvariantCulture, $"  {Markup.Escape(h.Event)} {Markup.Escape(h.Url)} [grey](timeout {(h.Timeout?.ToTimeSpan() ?? TimeSpan.Zero).TotalSeconds:0.###} s, {(h.HasRetries ? h.Retries : 0)} retries)[/]\n"))));

    public static IRenderable Services(IEnumerable<V1.Service> services)
    {
        var table = new Table().AddColumns("service", "route key", "live", "versions", "proxies", "deployment");
        foreach (var s in services)
        {
            table.AddRow(
                Markup.Escape(s.Spec.Name),
                Markup.Escape(s.Spec.RouteKey),
                Colour(s.LiveColour) + (s.Maintenance is null ? string.Empty : " [red](maintenance)[/]"),
                Versions(s),
                Markup.Escape(string.Join(", ", s.Spec.Proxies)),
                s.ActiveDeployment is { } a ? $"#{a.Id} {Step(a.Step)}" : s.LastDeployment is { } l ? $"#{l.Id} {Outcome(l.Outcome)}" : "-");
        }

        return table;
    }

    /// <summary>
    /// The version each colour last ran, and whether it still runs: a retired colour keeps its last version in the
    /// record (a rollback returns to it) but nothing serves it, so it must not read as running.
    /// </summary>
    private static string Versions(V1.Service s) => string.Join(", ", s.Versions.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v =>
    {
        var running = s.Running.Any(c => Name(c) == v.Key);
        var state = running ? (Name(s.LiveColour) == v.Key ? string.Empty : " (warm)") : " [grey](retired)[/]";
        return $"{Markup.Escape(v.Key)} {Markup.Escape(v.Value)}{state}";
    }));

    public static IRenderable Instances(IEnumerable<V1.Instance> instances)
    {
        var table = new Table().AddColumns("service", "colour", "version", "server", "address", "runtime", "pid / container", "state");
        foreach (var i in instances)
        {
            table.AddRow(
                Markup.Escape(i.Service),
                Colour(i.Colour),
                Markup.Escape(i.Version.Length == 0 ? "-" : i.Version),
                Markup.Escape(i.Server),
                Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{i.Address}:{i.Port}")),
                Markup.Escape(i.Runtime),
                // A container id is 64 hex digits; docker shows its first 12, and so do we.
                Markup.Escape(i.Runtime == "docker" && i.Id.Length > 12 ? i.Id[..12] : i.Id),
                i.State switch
                {
                    V1.InstanceState.Running => "[green]running[/]",
                    V1.InstanceState.Exited => i.HasExitCode ? $"[red]exited ({i.ExitCode.ToString(CultureInfo.InvariantCulture)})[/]" : "[red]exited[/]",
                    _ => "-",
                });
        }

        return table;
    }

    public static IRenderable History(IEnumerable<V1.Deployment> deployments)
    {
        var table = new Table().AddColumns("id", "kind", "version", "from → to", "outcome", "by", "started", "took", "switch skew", "error");
        foreach (var d in deployments)
        {
            table.AddRow(
                d.Id.ToString(CultureInfo.InvariantCulture),
                Kind(d.Kind),
                Markup.Escape(d.Version),
                $"{Colour(d.From)} → {Colour(d.Target)}",
                Outcome(d.Outcome) + (d.DrainCut ? " [red](drain cut)[/]" : string.Empty),
                Markup.Escape(By(d)),
                d.CreatedAt.ToDateTimeOffset().ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                d.FinishedAt is null ? "-" : Seconds(d.FinishedAt.ToDateTimeOffset() - d.CreatedAt.ToDateTimeOffset()),
                d.SwitchSkew is null ? "-" : Milliseconds(d.SwitchSkew.ToTimeSpan()),
                Markup.Escape(d.Error));
        }

        return table;
    }

    /// <summary>The live view of one deployment: its step and one row per proxy.</summary>
    public static IRenderable Deployment(V1.Deployment d, IReadOnlyList<V1.DeploymentEvent> recent)
    {
        var header = new Markup(
            $"[bold]#{d.Id}[/] {Kind(d.Kind)} of [bold]{Markup.Escape(d.Service)}[/] {Markup.Escape(d.Version)} " +
            $"{Colour(d.From)} → {Colour(d.Target)}   step: [bold]{Step(d.Step)}[/]   {Outcome(d.Outcome)}");
        var proxies = new Table().AddColumns("proxy", "health", "switched at", "sessions left", "error");
        foreach (var p in d.Proxies)
        {
            proxies.AddRow(
                Markup.Escape(p.ProxyId),
                p.Healthy ? $"[green]{Markup.Escape(p.Health)}[/]" : Markup.Escape(p.Health),
                p.SwitchedAt is null ? "-" : p.SwitchedAt.ToDateTimeOffset().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                SessionsLeft(p),
                Markup.Escape(p.Error));
        }

        IRenderable[] hold = d.Hold ? [new Markup(Hold(d).TrimEnd('\n'))] : [];
        IRenderable[] canary = d.Canary.Count > 0 ? [new Markup(Canary(d))] : [];
        return new Stack([header, .. hold, .. canary, proxies, .. Analysis(d), .. recent.TakeLast(8).Select(Event)]);
    }

    /// <summary>The verify step's last figures per proxy and for the fleet, once it has read any.</summary>
    private static IEnumerable<IRenderable> Analysis(V1.Deployment d)
    {
        if (d.Analysis.Count == 0)
        {
            yield break;
        }

        var table = new Table().AddColumns("analysis", "responses", "5xx", "server errors", "response time", "total time");
        foreach (var f in d.Analysis.OrderBy(f => f.ProxyId.Length == 0).ThenBy(f => f.ProxyId, StringComparer.Ordinal))
        {
            table.AddRow(
                f.ProxyId.Length == 0 ? "[bold]fleet[/]" : Markup.Escape(f.ProxyId),
                f.Responses.ToString(CultureInfo.InvariantCulture),
                f.Http5Xx.ToString(CultureInfo.InvariantCulture),
                f.ServerErrors.ToString(CultureInfo.InvariantCulture),
                f.HasResponseTimeMs ? string.Create(CultureInfo.InvariantCulture, $"{f.ResponseTimeMs:0} ms") : "-",
                f.HasTotalTimeMs ? string.Create(CultureInfo.InvariantCulture, $"{f.TotalTimeMs:0} ms") : "-");
        }

        yield return table;
    }

    public static IRenderable Event(V1.DeploymentEvent e) => new Markup(
        $"[grey]{e.At.ToDateTimeOffset():HH:mm:ss.fff}[/] {Step(e.Step),-12} {(e.ProxyId.Length > 0 ? $"[blue]{Markup.Escape(e.ProxyId)}[/] " : string.Empty)}{Markup.Escape(e.Message)}");

    public static string Summary(V1.Deployment d) =>
        d.Step == V1.DeploymentStep.Held && d.Outcome == V1.DeploymentOutcome.Running
            ? $"deployment #{d.Id} {Kind(d.Kind)} {Markup.Escape(d.Version)}: [yellow]held[/] " + Hold(d).TrimEnd('\n')
            : d.Step == V1.DeploymentStep.Canary && d.Outcome == V1.DeploymentOutcome.Running
                ? $"deployment #{d.Id} {Kind(d.Kind)} {Markup.Escape(d.Version)}: [yellow]running[/] " + Canary(d)
            : Finished(d) + (d.ApprovedBy.Length == 0 ? string.Empty : $" — approved by {Markup.Escape(d.ApprovedBy)} at {Utc(d.ApprovedAt)}");

    /// <summary>
    /// A canary release's plan and where it is: <c>canary 10% → 50% → 100%, 30 s each: at 10% (step 1 of 3) until 12:00:30 UTC</c>
    /// and what to do.
    /// </summary>
    public static string Canary(V1.Deployment d)
    {
        var plan = string.Join(" → ", d.Canary.Append(100).Select(w => string.Create(CultureInfo.InvariantCulture, $"{w}%")));
        var each = d.CanaryStepInterval is null ? string.Empty : $", {Seconds(d.CanaryStepInterval.ToTimeSpan()).Replace(".00 s", " s", StringComparison.Ordinal)} each";
        var service = Markup.Escape(d.Service);
        var at = d.Step switch
        {
            _ when d.Outcome != V1.DeploymentOutcome.Running => string.Empty,
            V1.DeploymentStep.Canary when d.CanaryWeight > 0 && d.CanaryIndex < d.Canary.Count && d.Canary[d.CanaryIndex] == d.CanaryWeight =>
                string.Create(CultureInfo.InvariantCulture, $": at [bold]{d.CanaryWeight}%[/] (step {d.CanaryIndex + 1} of {d.Canary.Count + 1})") +
                (d.StepDeadline is null ? string.Empty : $" until {Utc(d.StepDeadline)}") +
                $"; 'bluegreen approve {service}' goes to 100%, 'bluegreen abort {service}' back to {Colour(d.From)}",
            V1.DeploymentStep.Canary when d.CanaryIndex < d.Canary.Count =>
                string.Create(CultureInfo.InvariantCulture, $": setting {d.Canary[d.CanaryIndex]}% (step {d.CanaryIndex + 1} of {d.Canary.Count + 1})"),
            _ => string.Empty,
        };
        return $"canary {plan}{each}{at}";
    }

    /// <summary>A held release's state: since when, until when, the preview and what to do; empty for any other.</summary>
    private static string Hold(V1.Deployment d)
    {
        if (!d.Hold)
        {
            return string.Empty;
        }

        if (d.ApprovedBy.Length > 0)
        {
            return $"[grey]held from[/] {Utc(d.HeldAt)}, [grey]approved by[/] {Markup.Escape(d.ApprovedBy)} [grey]at[/] {Utc(d.ApprovedAt)}\n";
        }

        if (d.HeldAt is null)
        {
            return $"[grey]held for approval once[/] {Colour(d.Target)} [grey]is UP on every proxy[/]\n";
        }

        var service = Markup.Escape(d.Service);
        return $"since {Utc(d.HeldAt)}{(d.AutoApproveAt is null ? string.Empty : $", approved by itself at {Utc(d.AutoApproveAt)}")}: " +
            $"{Colour(d.Target)} {Markup.Escape(d.Version)} {(d.PreviewLive ? "previewable" : "preview being set")} with header X-BlueGreen-Preview: {service} or cookie bluegreen-preview={service}, " +
            $"everyone else on {Colour(d.From)}; 'bluegreen approve {service}' switches, 'bluegreen abort {service}' retires it\n";
    }

    private static string Utc(Google.Protobuf.WellKnownTypes.Timestamp? at) => at is null ? "-" : Time(at) + " UTC";

    private static string Finished(V1.Deployment d) =>
        $"deployment #{d.Id} {Kind(d.Kind)} {Markup.Escape(d.Version)}: {Outcome(d.Outcome)}" +
        (d.FinishedAt is null ? string.Empty : $" in {Seconds(d.FinishedAt.ToDateTimeOffset() - d.CreatedAt.ToDateTimeOffset())}") +
        (d.SwitchSkew is null ? string.Empty : $", fleet switch {Milliseconds(d.SwitchDuration?.ToTimeSpan() ?? TimeSpan.Zero)} (skew {Milliseconds(d.SwitchSkew.ToTimeSpan())})") +
        (d.Error.Length == 0 ? string.Empty : $" — {Markup.Escape(d.Error)}") +
        (d.DrainCut ? $" — [red]drain not clean[/]: HAProxy restarted during it on {Markup.Escape(string.Join(", ", d.Proxies.Where(p => p.RestartedAt is not null && (!p.HasSessionsLost || p.SessionsLost != 0)).Select(p => $"{p.ProxyId} ({Lost(p)})")))}" : string.Empty);

    /// <summary>The drain's count on one proxy: old workers' part, an old worker nothing can count, a restart that cut sessions.</summary>
    private static string SessionsLeft(V1.ProxyProgress p)
    {
        var text = p.HasSessionsLeft ? p.SessionsLeft.ToString(CultureInfo.InvariantCulture) : "-";
        if (p.HasOldWorkerSessions && p.OldWorkerSessions > 0)
        {
            text += $" ({p.OldWorkerSessions.ToString(CultureInfo.InvariantCulture)} on old workers)";
        }

        if (p.OldWorkersUnseen)
        {
            text += " [yellow]+ old worker unseen (no master api)[/]";
        }

        if (p.RestartedAt is not null)
        {
            text += p.HasSessionsLost && p.SessionsLost == 0 ? " [yellow]restarted, none open[/]" : $" [red]restarted: {Lost(p)}[/]";
        }

        return text;
    }

    private static string Lost(V1.ProxyProgress p) =>
        !p.HasSessionsLost ? "sessions open then were cut" : $"{p.SessionsLost.ToString(CultureInfo.InvariantCulture)} sessions cut";

    /// <summary>Who started a deployment, and who asked to abort it.</summary>
    private static string By(V1.Deployment d) =>
        (d.RequestedBy.Length == 0 ? "-" : d.RequestedBy) + (d.ApprovedBy.Length == 0 ? string.Empty : $" (approved: {d.ApprovedBy})")
        + (d.AbortRequestedBy.Length == 0 ? string.Empty : $" (abort: {d.AbortRequestedBy})");

    private static Markup Changed(string what, string by, Google.Protobuf.WellKnownTypes.Timestamp? at) => new(
        by.Length == 0 ? string.Empty : $"[grey]{what} by[/] {Markup.Escape(by)}{(at is null ? string.Empty : $" [grey]at[/] {at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC")}\n");

    private static string Status(string status) => status == "UP" ? "[green]UP[/]" : $"[yellow]{Markup.Escape(status)}[/]";

    private static string Colour(V1.Colour colour) => colour switch
    {
        V1.Colour.Blue => "[blue]blue[/]",
        V1.Colour.Green => "[green]green[/]",
        _ => "-",
    };

    private static string Name(V1.Colour colour) => colour switch
    {
        V1.Colour.Blue => "blue",
        V1.Colour.Green => "green",
        _ => string.Empty,
    };

    private static string Kind(V1.DeploymentKind kind) => kind.ToString().ToLowerInvariant();

    private static string Step(V1.DeploymentStep step) => step.ToString();

    private static string Outcome(V1.DeploymentOutcome outcome) => outcome switch
    {
        V1.DeploymentOutcome.Succeeded => "[green]succeeded[/]",
        V1.DeploymentOutcome.Running => "[yellow]running[/]",
        V1.DeploymentOutcome.RolledBack => "[red]rolled back[/]",
        V1.DeploymentOutcome.Failed => "[red]failed[/]",
        V1.DeploymentOutcome.Aborted => "[red]aborted[/]",
        _ => "-",
    };

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.00} s");

    private static string Milliseconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0.0} ms");
}
