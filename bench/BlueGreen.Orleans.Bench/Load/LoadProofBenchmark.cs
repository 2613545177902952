using System.CommandLine;
using System.Globalization;
using BlueGreen.Orleans.Bench.Reporting;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>
/// The load proof: 100 concurrent clients and at least 100,000 requests through 1 and through 10 haproxy processes
/// while a real bluegreen-server runs release → promote → rollback back to back, with two clients (the project's own
/// generator, which never retries, and <c>hey</c>): not one request may fail. A negative control in the same run kills
/// the old colour right after a naive switch and must see failures, proving the clients can see them.
/// </summary>
internal static class LoadProofBenchmark
{
    public const string SectionId = "load-proof";

    private const long ClaimRequests = 100_000;

    public static Command Command()
    {
        var requests = new Option<long>("--requests") { Description = "Requests per scenario, at least (the claim is 100,000).", DefaultValueFactory = _ => ClaimRequests };
        var proxies = new Option<string>("--proxies") { Description = "Comma-separated proxy counts, one scenario each.", DefaultValueFactory = _ => "1,10" };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients.", DefaultValueFactory = _ => 100 };
        var client = new Option<string>("--client") { Description = "Load clients: load (the project's generator), hey, or both.", DefaultValueFactory = _ => "load,hey" };
        var delay = new Option<int>("--control-delay-ms") { Description = "Response delay of the negative control's backends.", DefaultValueFactory = _ => 200 };
        var command = new Command("load", "Load proof: release → promote → rollback under load on 1 and 10 proxies, with a negative control.")
        {
            requests, proxies, clients, client, delay,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new LoadProofOptions(parse.GetValue(requests), parse.GetValue(proxies)!, parse.GetValue(clients), parse.GetValue(client)!, parse.GetValue(delay)),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(LoadProofOptions options, CancellationToken cancellationToken)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync(error);
            }

            return 2;
        }

        var loadClients = options.LoadClients();
        if (loadClients.Any(c => c is HeyClient) && !HeyClient.IsInstalled())
        {
            await Console.Error.WriteLineAsync($"hey was not found on the PATH: {HeyClient.InstallHint}.");
            return 2;
        }

        CheckRunScript();
        // The harness's Orleans client (and the servers, which inherit the environment) would print every Orleans and
        // hosting detail at Information between the results; the product's own categories keep their level.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Orleans", "Warning");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Microsoft", "Warning");
        var scenarios = new List<ScenarioResult>();
        foreach (var proxies in options.ProxyCounts())
        {
            foreach (var client in loadClients)
            {
                Console.WriteLine($"{proxies} proxies, {client.Name}: {options.Clients} clients, at least {options.Requests} requests, release → promote → rollback…");
                var result = await RunScenarioAsync(proxies, client, options, cancellationToken);
                scenarios.Add(result);
                Console.WriteLine(LoadProofReport.Summary(result));
            }
        }

        // The controls: each client of the proof, and hey once more without keep-alive. hey with keep-alive is shown,
        // not required: Go resends a GET whose reused connection was closed, so it may well see none of the failures.
        var controls = new List<ControlResult>();
        var controlClients = loadClients.Select(c => (Client: c, Required: c is not HeyClient { KeepAlive: true })).ToList();
        if (loadClients.Any(c => c is HeyClient))
        {
            controlClients.Add((new HeyClient(keepAlive: false), true));
        }

        foreach (var (client, required) in controlClients)
        {
            Console.WriteLine($"negative control, {client.Name}: switch, then kill the old colour at once ({options.ControlDelayMs} ms responses)…");
            ControlResult control;
            try
            {
                control = await NaiveSwitchControl.RunAsync(client, required, options.Clients, TimeSpan.FromMilliseconds(options.ControlDelayMs), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                control = new ControlResult(client.Name, null, null, required, $"{e.GetType().Name}: {e.Message}");
            }

            controls.Add(control);
            Console.WriteLine(LoadProofReport.Summary(control));
        }

        var body = LoadProofReport.Render(options, scenarios, controls);
        Console.WriteLine();
        Console.WriteLine(body);
        await BenchmarkReport.WriteSectionAsync(
            SectionId, "Load proof: release → promote → rollback under load", body, BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);

        var failed = scenarios.Where(s => s.Failures.Count > 0).Select(s => $"{s.Proxies} proxies, {s.Client}: {string.Join("; ", s.Failures)}")
            .Concat(controls.Where(c => !c.Passed).Select(c => $"negative control, {c.Client}: {c.Error ?? "saw no failure"}"))
            .ToList();
        if (options.Requests < ClaimRequests)
        {
            Console.WriteLine($"Note: {options.Requests} requests per scenario is below the claim's {ClaimRequests}: a short run.");
        }

        foreach (var failure in failed)
        {
            await Console.Error.WriteLineAsync("FAILED " + failure);
        }

        return failed.Count == 0 ? 0 : 1;
    }

    private static async Task<ScenarioResult> RunScenarioAsync(int proxies, ILoadClient client, LoadProofOptions options, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeploymentTiming> deployments = [];
        try
        {
            await using var fleet = await LoadFleet.StartAsync(proxies, cancellationToken);
            var plan = new LoadPlan(fleet.Frontends, LoadFleet.Host, "/", options.Clients, options.Requests, TimeSpan.FromSeconds(1));
            var run = await client.RunAsync(plan, async ct => deployments = await fleet.RunDeploymentsAsync(ct), cancellationToken);
            var routes = await fleet.RoutesAsync(cancellationToken);
            var result = new ScenarioResult(proxies, client.Name, options.Requests, run, deployments, routes, null);
            if (result.Failures.Count > 0)
            {
                var folder = Path.Combine(Path.GetTempPath(), $"loadproof-failure-{proxies}-{client.Name.Replace(' ', '_')}-{DateTime.UtcNow:yyyyMMddHHmmss}");
                await fleet.SaveDiagnosticsAsync(folder, cancellationToken);
                Console.WriteLine($"  server output, instance logs and deployment events kept in {folder}");
            }

            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ScenarioResult(proxies, client.Name, options.Requests, null, deployments, [], $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>bench/run.sh (which reruns every bench) must install hey for this one; warn when it does not mention it.</summary>
    private static void CheckRunScript()
    {
        var script = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(BenchmarkReport.ReportPath())!)!, "bench", "run.sh");
        if (!File.Exists(script))
        {
            Console.Error.WriteLine($"Warning: {script} not found; it should install hey for this bench.");
        }
        else if (!File.ReadAllText(script).Split([' ', '\t', '\n', '\r', '"', '\''], StringSplitOptions.RemoveEmptyEntries).Contains(HeyClient.Executable, StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"Warning: {script} does not install hey, which the load bench needs.");
        }
    }
}
