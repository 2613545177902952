using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>
/// <c>hey</c> (Go, net/http) as an independent second client: one hey process per frontend, the clients split between
/// them (<c>-c</c>), run in rounds of <c>-n</c> requests until the work under load has ended and enough were sent.
/// </summary>
internal sealed class HeyClient : ILoadClient
{
    public const string Executable = "hey";

    public const string InstallHint = "install it with `apt-get install -y hey` (Debian/Ubuntu; it is the Debian package `hey`), or run only the project's generator with `--client load`";

    /// <param name="keepAlive">False: <c>-disable-keepalive</c>, a new connection per request, so nothing is ever resent.</param>
    public HeyClient(bool keepAlive = true) => KeepAlive = keepAlive;

    public bool KeepAlive { get; }

    public string Name => KeepAlive ? "hey" : "hey -disable-keepalive";

    /// <summary>True when <c>hey</c> can be started from the PATH.</summary>
    public static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, Executable)));

    public async Task<ClientRun> RunAsync(LoadPlan plan, Func<CancellationToken, Task> duringLoad, CancellationToken cancellationToken)
    {
        var workers = Split(plan.Clients, plan.Frontends.Count);
        var clock = Stopwatch.StartNew();
        var outputs = new List<HeyOutput>();
        var round = RunRoundAsync(plan, workers, plan.Requests, cancellationToken);
        await Task.Delay(plan.WarmUp, cancellationToken);
        var during = duringLoad(cancellationToken);
        while (true)
        {
            outputs.AddRange(await round);
            var sent = outputs.Sum(o => o.Sent);
            if (sent >= plan.Requests && during.IsCompleted)
            {
                break;
            }

            // The deployments still run (or too few requests were sent): another round, about 100 requests per worker.
            round = RunRoundAsync(plan, workers, Math.Max(plan.Requests - sent, plan.Clients * 100L), cancellationToken);
        }

        await during;
        var elapsed = clock.Elapsed;
        var errors = outputs.SelectMany(o => o.StatusCodes.Where(s => s.Key != 200).Select(s => ($"HTTP {s.Key}", s.Value)))
            .Concat(outputs.SelectMany(o => o.Errors.Select(e => (e.Key, e.Value))))
            .GroupBy(e => e.Item1, StringComparer.Ordinal)
            .Select(g => $"[{g.Sum(e => e.Item2)}] {g.Key}")
            .ToList();

        // hey reports only its own percentiles: with several processes, the largest of them (an upper bound).
        return new ClientRun(
            Name,
            outputs.Sum(o => o.Sent),
            outputs.Sum(o => o.Failed),
            elapsed,
            outputs.Max(o => o.P50Ms),
            outputs.Max(o => o.P99Ms),
            new Dictionary<string, long>(),
            errors);
    }

    /// <summary>The clients split as evenly as possible between the frontends (every frontend gets at least one).</summary>
    internal static int[] Split(int clients, int frontends) =>
        [.. Enumerable.Range(0, frontends).Select(i => clients / frontends + (i < clients % frontends ? 1 : 0))];

    /// <summary>One hey per frontend at once, <paramref name="requests"/> in all (rounded up to whole requests per worker).</summary>
    private async Task<HeyOutput[]> RunRoundAsync(LoadPlan plan, int[] workers, long requests, CancellationToken cancellationToken)
    {
        var perWorker = Math.Max(1, (requests + plan.Clients - 1) / plan.Clients);
        return await Task.WhenAll(plan.Frontends.Select((frontend, i) =>
            RunHeyAsync(new Uri(frontend, plan.Path), plan.Host, workers[i], perWorker * workers[i], KeepAlive, cancellationToken)));
    }

    private static async Task<HeyOutput> RunHeyAsync(Uri url, string host, int workers, long requests, bool keepAlive, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable)
        {
            ArgumentList =
            {
                "-c", workers.ToString(CultureInfo.InvariantCulture),
                "-n", requests.ToString(CultureInfo.InvariantCulture),
                "-host", host,
                "-t", "10",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!keepAlive)
        {
            start.ArgumentList.Add("-disable-keepalive");
        }

        start.ArgumentList.Add(url.ToString());
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Could not start hey.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"hey could not be started ({e.Message}): {InstallHint}.", e);
        }

        using (process)
        {
            TrackedProcesses.Track(process);
            try
            {
                var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
                var error = process.StandardError.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken);
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"hey exited with {process.ExitCode}: {await error}");
                }

                return HeyOutput.Parse(await output);
            }
            finally
            {
                await TrackedProcesses.StopAsync(process);
            }
        }
    }
}
