using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BlueGreen.Orleans.Bench.Reporting;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Harness.Load;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Rules;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Bench;

/// <summary>
/// Canary by weight under load (issue 17 §4): one canary release through the gRPC API of a real bluegreen-server, N real
/// haproxy processes, echo processes as the colours (the server's process runtime starts green), and the project's
/// non-retrying load generator, one per proxy so each proxy's draw can be read on its own. The generator sends no
/// cookie, so every request is a fresh draw. The counts are sampled every few ms with the wall clock and cut at the
/// deployment record's own event times: from "canary at W% on every proxy" to "W% held", less a margin at both ends for
/// the requests in flight across a change; the 100 % step from "fleet switched" for one step interval.
/// </summary>
internal static class CanaryBenchmark
{
    private const string Host = "web.local";
    private const string Service = "web";
    private const string Target = "green";
    private const double TolerancePoints = 3;
    private const long MinRequests = 10_000;

    /// <summary>
    /// Each step is sized for this many times <see cref="MinRequests"/> at the warm-up's rate:
    /// a measured 10 % step counted at 70 % of that rate (green a fresh process, the machine shared).
    /// </summary>
    private const double SizingMargin = 2.5;

    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MinStepInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxStepInterval = TimeSpan.FromSeconds(50);
    private static readonly Metadata Admin = new() { { "authorization", $"Bearer {ServerProcess.AdminToken}" } };

    public static Command Command()
    {
        var proxies = new Option<int>("--proxies") { Description = "haproxy processes (1-10); each gets its own load generator.", DefaultValueFactory = _ => 3 };
        var weights = new Option<string>("--weights") { Description = "The canary's weights, as `release --canary` takes them; 100 is the switch.", DefaultValueFactory = _ => "10,25,50,75,100" };
        var clients = new Option<int>("--clients") { Description = "Load clients (one keep-alive connection each, never retrying), spread over the proxies.", DefaultValueFactory = _ => 8 };
        var stepSeconds = new Option<int>("--step-seconds") { Description = $"Each weight's step interval; 0: sized from a {WarmUp.TotalSeconds:0} s warm-up so each step counts ≥ {MinRequests:N0} requests × {SizingMargin}.", DefaultValueFactory = _ => 0 };
        var command = new Command("canary", "A canary release under load: the split at each weight on every proxy, and failed requests through it.") { proxies, weights, clients, stepSeconds };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(proxies), parse.GetValue(weights)!, parse.GetValue(clients), parse.GetValue(stepSeconds), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int proxies, string weights, int clients, int stepSeconds, CancellationToken cancellationToken)
    {
        var steps = CanaryRules.Parse(weights, out var problem);
        if (steps is null)
        {
            await Console.Error.WriteLineAsync($"--weights: {problem}.");
            return 2;
        }

        if (proxies is < 1 or > 10 || clients < proxies || clients > 256 || stepSeconds is < 0 or > 600)
        {
            await Console.Error.WriteLineAsync("--proxies must be 1..10, --clients at least one per proxy and at most 256, --step-seconds 0..600.");
            return 2;
        }

        try
        {
            var run = await MeasureAsync(proxies, steps, clients, stepSeconds, cancellationToken);
            var body = Render(run);
            Console.WriteLine(body);
            await BenchmarkReport.WriteSectionAsync("canary", "Canary by weight: the split at each step under load", body,
                BenchmarkReport.ReproduceCommand(Environment.GetCommandLineArgs().Skip(1)), cancellationToken);
            return run.Passed ? 0 : 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"canary failed: {e}");
            return 1;
        }
    }

    private static async Task<Run> MeasureAsync(int n, IReadOnlyList<int> weights, int clients, int stepSeconds, CancellationToken cancellationToken)
    {
        using var folder = new TempFolder("canarybench");
        var data = folder.File("server");
        var bluePort = Loopback.FreePort();
        var greenPort = Loopback.FreePort();
        var backends = new ServiceBackends
        {
            Name = Service,
            Blue = [new BackendServer("s1", "127.0.0.1", bluePort)],
            Green = [new BackendServer("s1", "127.0.0.1", greenPort)],
            // The product's default checks: what a user gets without tuning.
            Check = new HealthCheck(),
        };
        // The server's process runtime folder: blue v1 is started there as if it ran before the orchestrator, so the
        // server can stop it, and whatever the server started can be removed here after it was killed.
        using var instances = new ProcessInstanceRuntime(new ProcessRuntimeOptions { StateDirectory = Path.Combine(data, "instances"), StopTimeout = TimeSpan.FromSeconds(5) });
        // The product's default intervals, not the harness's faster test ones (later arguments win).
        await using var server = new ServerProcess(data, extraArguments: ["--BlueGreen:ProxyMonitorInterval", "00:00:01", "--BlueGreen:DeploymentPollInterval", "00:00:00.100"]);
        var proxies = new List<HaProxyInstance>();
        var loads = new List<LoadGenerator>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                proxies.Add(await HaProxyInstance.StartAsync([backends], new Dictionary<string, string> { [Host] = $"{Service}_blue" }, cancellationToken: cancellationToken));
            }

            await instances.StartAsync(
                new InstanceSpec
                {
                    Name = $"{Service}-blue-s1",
                    Command = EchoInstance.Dotnet,
                    Arguments = [EchoInstance.DllPath, "--address", "127.0.0.1", "--port", bluePort.ToString(CultureInfo.InvariantCulture), "--colour", "blue", "--version", "1"],
                    Address = "127.0.0.1",
                    Port = bluePort,
                },
                cancellationToken);
            await server.StartAsync();
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
            await SetUpAsync(channel, proxies, bluePort, greenPort, cancellationToken);
            Console.WriteLine($"{n} haproxy processes on {string.Join(", ", proxies.Select(p => p.Address))}; {Service} on blue v1");

            // One generator per proxy (the clients split between them): each proxy's own draw can be read apart.
            loads.AddRange(proxies.Select((p, i) => LoadGenerator.Start([p.FrontendUrl], new LoadOptions(Host, Clients: clients / n + (i < clients % n ? 1 : 0)))));
            await using var sampler = new Sampler(loads);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var before = sampler.Total();
            var clock = Stopwatch.StartNew();
            await Task.Delay(WarmUp, cancellationToken);
            var rate = (sampler.Total() - before) / clock.Elapsed.TotalSeconds;
            var interval = stepSeconds > 0
                ? TimeSpan.FromSeconds(stepSeconds)
                : TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling((2 * Margin.TotalSeconds) + (SizingMargin * MinRequests / rate)), MinStepInterval.TotalSeconds, MaxStepInterval.TotalSeconds));
            Console.WriteLine($"warm-up: {rate:N0} req/s through {clients} clients; step interval {interval.TotalSeconds:0} s");

            var deployments = new V1.Deployments.DeploymentsClient(channel);
            var request = new V1.ReleaseRequest { Service = Service, Version = "2", CanaryStepInterval = Duration.FromTimeSpan(interval) };
            request.Canary.AddRange([.. weights, 100]);
            var started = await deployments.ReleaseAsync(request, Admin, cancellationToken: cancellationToken);
            var deadline = TimeSpan.FromMinutes(2) + ((weights.Count + 1) * (interval + TimeSpan.FromSeconds(60)));
            var done = await Eventually.UntilAsync(
                async () => await deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = Service, Id = started.Id }, Admin, cancellationToken: cancellationToken),
                d => d.FinishedAt is not null, deadline, $"canary release #{started.Id} to finish");
            var events = done.Events.ToList();
            foreach (var e in events)
            {
                Console.WriteLine($"  {e.At.ToDateTimeOffset():HH:mm:ss.fff} {e.Step} {e.ProxyId} {e.Message}");
            }

            // The 100 % step is the switch: counted for one step interval after it, under the same load.
            var switched = events.FirstOrDefault(e => e.Message.StartsWith("fleet switched", StringComparison.Ordinal))?.At.ToDateTimeOffset();
            if (switched is { } at && at + interval - DateTimeOffset.UtcNow is { TotalMilliseconds: > 0 } left)
            {
                await Task.Delay(left, cancellationToken);
            }

            await sampler.StopAsync();
            var results = new List<LoadResult>();
            foreach (var load in loads)
            {
                results.Add(await load.StopAsync());
            }

            var stepResults = weights.Select(w => Step(w, Window(events, w), sampler.Samples)).ToList();
            stepResults.Add(Step(100, switched is { } s ? (s + Margin, s + interval - Margin) : null, sampler.Samples));
            return new Run(n, clients, rate, interval, done, stepResults, results, events);
        }
        catch when (server.Output.Length > 0)
        {
            await Console.Error.WriteLineAsync(server.Output.Length > 4000 ? server.Output[^4000..] : server.Output);
            throw;
        }
        finally
        {
            foreach (var load in loads)
            {
                await load.DisposeAsync();
            }

            await server.KillAsync();
            foreach (var name in new[] { $"{Service}-blue-s1", $"{Service}-green-s1" })
            {
                await instances.RemoveAsync(name, CancellationToken.None);
            }

            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    /// <summary>Registers the proxies and applies the service through the gRPC API; returns once every frontend answers from blue.</summary>
    private static async Task SetUpAsync(GrpcChannel channel, List<HaProxyInstance> proxies, int bluePort, int greenPort, CancellationToken cancellationToken)
    {
        var registry = new V1.Proxies.ProxiesClient(channel);
        var ids = proxies.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"edge-{i}")).ToList();
        for (var i = 0; i < proxies.Count; i++)
        {
            await registry.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = ids[i], RuntimeApi = proxies[i].RuntimeApi.ToString(), MapFile = proxies[i].MapFile }, Admin, cancellationToken: cancellationToken);
        }

        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec
        {
            Name = Service,
            RouteKey = Host,
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            StopTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            LiveVersion = "1",
        };
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = bluePort });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = greenPort });
        spec.Proxies.Add(ids);
        await new V1.Services.ServicesClient(channel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, Admin, cancellationToken: cancellationToken);

        // Load starts only once every frontend serves blue: a 503 before that would be the bench's fault, not the canary's.
        foreach (var proxy in proxies)
        {
            using var http = new FrontendClient(proxy.FrontendUrl, TimeSpan.FromSeconds(2));
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        return (await http.GetAsync(Host, cancellationToken: cancellationToken)).Echo?.Colour;
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                c => c == "blue",
                TimeSpan.FromSeconds(30),
                $"blue behind {proxy.FrontendUrl}");
        }
    }

    /// <summary>
    /// Where weight <paramref name="weight"/> was on every proxy, by the record: from its "canary at W% on every proxy"
    /// (stamped once the last proxy confirmed it) to its "W% held" (stamped before the next weight is sent), less
    /// <see cref="Margin"/> at both ends; null when the canary never got there or never left it.
    /// </summary>
    private static (DateTimeOffset From, DateTimeOffset To)? Window(List<V1.DeploymentEvent> events, int weight)
    {
        var set = events.FirstOrDefault(e => e.Message.StartsWith(string.Create(CultureInfo.InvariantCulture, $"canary at {weight}% on every proxy"), StringComparison.Ordinal));
        var held = set is null ? null : events.FirstOrDefault(e => e.Sequence > set.Sequence && e.Message.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{weight}% held "), StringComparison.Ordinal));
        return set is null || held is null ? null : (set.At.ToDateTimeOffset() + Margin, held.At.ToDateTimeOffset() - Margin);
    }

    /// <summary>The answers per proxy and colour between the first sample inside the window and the last one inside it.</summary>
    private static StepResult Step(int weight, (DateTimeOffset From, DateTimeOffset To)? window, IReadOnlyList<Sample> samples)
    {
        if (window is not { } w)
        {
            return new StepResult(weight, null, []);
        }

        var first = samples.FirstOrDefault(s => s.At >= w.From);
        var last = samples.LastOrDefault(s => s.At <= w.To);
        if (first is null || last is null || last.At <= first.At)
        {
            return new StepResult(weight, w, []);
        }

        var perProxy = first.PerProxy.Select((start, i) =>
        {
            var end = last.PerProxy[i];
            long Delta(string colour) => end.ByColour.GetValueOrDefault(colour) - start.ByColour.GetValueOrDefault(colour);
            return new Split(end.Answered - start.Answered, Delta(Target), end.Failed - start.Failed);
        }).ToList();
        return new StepResult(weight, (first.At, last.At), perProxy);
    }

    private static string Render(Run run)
    {
        var sent = run.Loads.Sum(r => r.Sent);
        var failed = run.Loads.Sum(r => r.Failed);
        var seconds = run.Loads.Max(r => r.Duration.TotalSeconds);
        var outcome = run.Deployment.Outcome;
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"One canary release (`release web --version 2 --canary {string.Join(',', run.Steps.Select(s => s.Weight))} --step-interval {run.Interval.TotalSeconds:0}s`, through the gRPC API) on a real `bluegreen-server` (embedded mode, default intervals) with {run.Proxies} haproxy processes, each on its own 127.0.0.x, and echo processes as the colours (blue v1 running before, green v2 started by the server's process runtime), under {run.Clients} closed-loop clients of the project's never-retrying generator: one generator per proxy ({string.Join(" + ", run.Loads.Select((_, i) => (run.Clients / run.Proxies + (i < run.Clients % run.Proxies ? 1 : 0)).ToString(CultureInfo.InvariantCulture)))} clients), one keep-alive connection per client, **no cookie**, so every request is a fresh draw. The step interval was sized from a {WarmUp.TotalSeconds:0} s warm-up on blue ({run.WarmUpRate:N0} req/s) so that each step counts at least {MinRequests:N0} requests.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Each step counts the answers between the deployment record's \"canary at W% on every proxy\" (stamped once the last proxy confirmed the weight) and its \"W% held …\" (stamped before the next weight is sent), less {Margin.TotalMilliseconds:0} ms at both ends for requests in flight across a change; the 100 % step counts one step interval from \"fleet switched\" (the same margins). The counts are read every {SampleEvery.TotalMilliseconds:0} ms and cut at the record's times (one clock: every process runs on this machine). σ is the binomial standard deviation of the share for that many fair draws: a deviation of a few σ would be drift, not chance.")
            .AppendLine()
            .AppendLine("| target % on green | counted s | requests counted | green | green share % | deviation, points | σ, points | within ±3 and ≥ 10,000 |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in run.Steps)
        {
            text.AppendLine(s.Counted == 0
                ? string.Create(CultureInfo.InvariantCulture, $"| {s.Weight} | – | 0 | – | – | – | – | **fail**: {(s.Window is null ? "the step never ran" : "nothing counted")} |")
                : string.Create(CultureInfo.InvariantCulture, $"| {s.Weight} | {s.Seconds:0.0} | {s.Counted:N0} | {s.Green:N0} | {s.Share:0.00} | {s.Deviation:+0.00;-0.00;0.00} | {Sigma(s.Weight, s.Counted):0.00} | {(s.Passed ? "pass" : $"**fail**{(s.Counted < MinRequests ? $": only {s.Counted:N0} requests" : string.Empty)}")} |"));
        }

        text.AppendLine()
            .AppendLine("Each proxy draws on its own (`rand(100)` per request in its frontend). Per proxy, over the same windows (the answers that proxy's generator counted): green share %, requests, and the deviation in σ of that proxy's count:")
            .AppendLine()
            .AppendLine("| target % | " + string.Join(" | ", Enumerable.Range(0, run.Proxies).Select(i => string.Create(CultureInfo.InvariantCulture, $"edge-{i}"))) + " |")
            .AppendLine("|---:|" + string.Concat(Enumerable.Repeat("---:|", run.Proxies)));
        foreach (var s in run.Steps.Where(s => s.Counted > 0))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Weight} | ") + string.Join(" | ", s.PerProxy.Select(p => Cell(s.Weight, p))) + " |");
        }

        var deploymentSeconds = run.Deployment.FinishedAt is { } f ? (f.ToDateTimeOffset() - run.Deployment.CreatedAt.ToDateTimeOffset()).TotalSeconds : double.NaN;
        text.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"The whole run, from the warm-up on blue to one step interval after the switch (through the drain and retirement of blue): **{sent:N0} requests sent, {failed:N0} failed** ({sent / seconds:N0} req/s over {seconds:0} s). Deployment #{run.Deployment.Id}: **{Name(outcome)}** in {deploymentSeconds:0.0} s{(string.IsNullOrEmpty(run.Deployment.Error) ? string.Empty : $" ({run.Deployment.Error})")}.");
        var errors = run.Loads.SelectMany(r => r.Errors).OrderBy(e => e.At).Take(5).ToList();
        if (errors.Count > 0)
        {
            text.AppendLine()
                .AppendLine("First failures: " + string.Join("; ", errors.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.At.TotalSeconds:0.000} s {e.Frontend.Authority} {e.Message}"))) + ".");
        }

        text.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Machine load while measuring (1-minute load average from /proc/loadavg at the end): {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores; a loaded machine slows the requests, not the draw.")
            .AppendLine();
        var missed = new List<string>();
        missed.AddRange(run.Steps.Where(s => !s.Passed).Select(s => s.Counted == 0
            ? string.Create(CultureInfo.InvariantCulture, $"the {s.Weight} % step counted nothing")
            : string.Create(CultureInfo.InvariantCulture, $"the {s.Weight} % step at {s.Share:0.00} % over {s.Counted:N0} requests")));
        if (failed > 0)
        {
            missed.Add(string.Create(CultureInfo.InvariantCulture, $"{failed:N0} failed requests"));
        }

        if (outcome != V1.DeploymentOutcome.Succeeded)
        {
            missed.Add($"the deployment {Name(outcome)}");
        }

        text.AppendLine(missed.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"Target (issue 17): every step within ±{TolerancePoints:0} points of its weight over ≥ {MinRequests:N0} requests, and 0 failed requests through the whole canary: **met.**")
            : string.Create(CultureInfo.InvariantCulture, $"Target (issue 17): every step within ±{TolerancePoints:0} points of its weight over ≥ {MinRequests:N0} requests, and 0 failed requests through the whole canary: **missed**: {string.Join("; ", missed)}."));
        return text.ToString();
    }

    /// <summary>One proxy's share at a step: <c>50.46 % of 8,762 (+0.9σ)</c>; σ is meaningless at 100 %, where every draw is green.</summary>
    private static string Cell(int weight, Split p)
    {
        if (p.Answered == 0)
        {
            return "–";
        }

        var share = 100.0 * p.Green / p.Answered;
        var sigma = Sigma(weight, p.Answered);
        return string.Create(CultureInfo.InvariantCulture, $"{share:0.00} % of {p.Answered:N0}") +
            (sigma > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({(share - weight) / sigma:+0.0;-0.0;0.0}σ)") : string.Empty);
    }

    /// <summary>The binomial standard deviation of the green share, in points, of <paramref name="count"/> draws at <paramref name="weight"/> %.</summary>
    private static double Sigma(int weight, long count) => count == 0 ? 0 : 100 * Math.Sqrt(weight / 100.0 * (1 - (weight / 100.0)) / count);

    private static string Name(V1.DeploymentOutcome outcome) => outcome switch
    {
        V1.DeploymentOutcome.Succeeded => "succeeded",
        V1.DeploymentOutcome.RolledBack => "rolled back",
        V1.DeploymentOutcome.Failed => "failed",
        V1.DeploymentOutcome.Aborted => "aborted",
        V1.DeploymentOutcome.Running => "still running",
        _ => outcome.ToString(),
    };

    private sealed record Run(int Proxies, int Clients, double WarmUpRate, TimeSpan Interval, V1.Deployment Deployment, List<StepResult> Steps, List<LoadResult> Loads, List<V1.DeploymentEvent> Events)
    {
        public bool Passed => Steps.All(s => s.Passed) && Loads.Sum(r => r.Failed) == 0 && Deployment.Outcome == V1.DeploymentOutcome.Succeeded;
    }

    /// <summary>One proxy's answers in a step's window: all of them, green's, and the failures.</summary>
    private sealed record Split(long Answered, long Green, long Failed);

    private sealed record StepResult(int Weight, (DateTimeOffset From, DateTimeOffset To)? Window, IReadOnlyList<Split> PerProxy)
    {
        public long Counted => PerProxy.Sum(p => p.Answered);

        public long Green => PerProxy.Sum(p => p.Green);

        public double Share => Counted == 0 ? double.NaN : 100.0 * Green / Counted;

        public double Deviation => Share - Weight;

        public double Seconds => Window is { } w ? (w.To - w.From).TotalSeconds : 0;

        public bool Passed => Counted >= MinRequests && Math.Abs(Deviation) <= TolerancePoints;
    }

    /// <summary>The counts of every proxy's generator at one moment of the wall clock (the clock the server stamps its events with).</summary>
    private sealed record Sample(DateTimeOffset At, IReadOnlyList<LoadCounts> PerProxy);

    /// <summary>Reads every generator's counts every <see cref="SampleEvery"/> until stopped.</summary>
    private sealed class Sampler : IAsyncDisposable
    {
        private readonly List<LoadGenerator> _loads;
        private readonly List<Sample> _samples = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;

        public Sampler(List<LoadGenerator> loads)
        {
            _loads = loads;
            _task = Task.Run(RunAsync);
        }

        /// <summary>Every sample; read only once <see cref="StopAsync"/> returned.</summary>
        public IReadOnlyList<Sample> Samples => _samples;

        /// <summary>Requests answered so far by every generator (read directly, not from a sample).</summary>
        public long Total() => _loads.Sum(l => l.Snapshot().Answered);

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _task;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            using var timer = new PeriodicTimer(SampleEvery);
            do
            {
                var counts = _loads.Select(l => l.Snapshot()).ToList();
                _samples.Add(new Sample(DateTimeOffset.UtcNow, counts));
            }
            while (!_stop.IsCancellationRequested && await timer.WaitForNextTickAsync(CancellationToken.None));
        }
    }
}
