using System.Diagnostics;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Cli.Output;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness.Load;
using Spectre.Console;

namespace BlueGreen.Orleans.Demo;

/// <summary>
/// The main job end to end: release v2 → promote → rollback of <c>web</c> behind local haproxy instances while a load
/// generator that never retries sends requests through every frontend; then a summary from the deployment records.
/// Exit code 0 only when every deployment succeeded, no request failed and every proxy ends on one colour.
/// </summary>
internal static class DemoRun
{
    public static async Task<int> RunAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        // In a pipe (CI, a log file), the CLI's width rule: COLUMNS, else wide enough that no summary cell is cut.
        if (ConsoleWidth.Choose(!Console.IsOutputRedirected, Environment.GetEnvironmentVariable("COLUMNS")) is { } width)
        {
            console.Profile.Width = width;
        }

        if (options.Validate() is { Count: > 0 } errors)
        {
            foreach (var error in errors)
            {
                console.MarkupLineInvariant($"[red]{Markup.Escape(error)}[/]");
            }

            return ExitCodes.Usage;
        }

        console.Write(new Rule("[bold]BlueGreen.Orleans demo[/]").LeftJustified());
        console.MarkupLineInvariant($"Starting {options.Proxies} haproxy, blue v1 and the embedded server on 127.0.0.x…");
        var stage = new DemoStage(console);
        try
        {
            var started = Stopwatch.StartNew();
            await stage.StartAsync(options, cancellationToken);
            console.MarkupLineInvariant($"Ready in {started.Elapsed.TotalSeconds:0.0} s.");
            return await RunScenarioAsync(stage, options, console, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Interrupted: stopping everything the demo started…[/]");
            return 130;
        }
        finally
        {
            await stage.DisposeAsync();
            console.MarkupLine("[grey]Stopped: server, haproxy and echo processes, temp folder removed.[/]");
        }
    }

    private static async Task<int> RunScenarioAsync(DemoStage stage, DemoOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        for (var i = 0; i < stage.Proxies.Count; i++)
        {
            if (await stage.CliAsync(cancellationToken, "proxy", "add", DemoStage.ProxyId(i), "--runtime-api", stage.Proxies[i].RuntimeApi.ToString(), "--map-file", stage.Proxies[i].MapFile) != ExitCodes.Ok)
            {
                return ExitCodes.Failed;
            }
        }

        if (await stage.CliAsync(cancellationToken, "service", "apply", "-f", stage.WriteSpec()) != ExitCodes.Ok)
        {
            return ExitCodes.Failed;
        }

        console.WriteLine();
        console.MarkupLineInvariant($"Load: {options.Clients} clients, one keep-alive connection each, spread over {stage.Proxies.Count} frontends, Host: {DemoOptions.RouteKey}; a failed request is never retried.");
        var load = LoadGenerator.Start([.. stage.Proxies.Select(p => p.FrontendUrl)], new LoadOptions(DemoOptions.RouteKey, options.Clients));
        using var tickerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ticker = TickAsync(load, console, tickerStop.Token);
        var exits = new List<int>();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            foreach (var step in new[] { new[] { "release", DemoOptions.Service, "--version", "2" }, ["promote", DemoOptions.Service], ["rollback", DemoOptions.Service] })
            {
                var exit = await stage.CliAsync(cancellationToken, step);
                exits.Add(exit);
                if (exit != ExitCodes.Ok)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
        finally
        {
            await tickerStop.CancelAsync();
            await ticker;
            await load.StopAsync();
        }

        var result = await load.StopAsync();
        var history = await stage.Server.Client.GetGrain<IServiceGrain>(DemoOptions.Service).ListDeploymentsAsync();
        var routes = await Task.WhenAll(stage.Proxies.Select(async p =>
        {
            await using var client = p.CreateClient();
            return await client.GetMapAsync(p.MapFile, DemoOptions.RouteKey, cancellationToken);
        }));

        console.WriteLine();
        DemoSummary.Write(console, result, history.Reverse().ToList(), routes);
        var ok = result.Failed == 0 && exits.Count == 3 && exits.All(e => e == ExitCodes.Ok) && routes.Distinct().Count() == 1;
        console.MarkupLine(ok
            ? "[green bold]Zero failed requests; every proxy on one colour.[/]"
            : "[red bold]The demo did not meet its claim: see the table above.[/]");
        return ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task TickAsync(LoadGenerator load, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var (lastSent, last) = (0L, Stopwatch.GetTimestamp());
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // One snapshot: reading the sent count first and the answers after let the answers run ahead of it.
                var (counts, now) = (load.Snapshot(), Stopwatch.GetTimestamp());
                var (sent, failed) = (counts.Sent, counts.Failed);
                var rate = (sent - lastSent) / Stopwatch.GetElapsedTime(last, now).TotalSeconds;
                (lastSent, last) = (sent, now);
                var colours = string.Join("  ", counts.ByColour.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value:N0}"));
                console.MarkupLineInvariant($"[grey]  load  {sent,9:N0} requests  {rate,7:N0}/s  [/]{(failed == 0 ? "[green]0 failed[/]" : $"[red]{failed:N0} failed[/]")}[grey]  {colours}[/]");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
