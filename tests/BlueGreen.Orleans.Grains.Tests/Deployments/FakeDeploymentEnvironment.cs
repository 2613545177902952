using System.Collections.Immutable;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Proxies;
using Microsoft.Extensions.Time.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Deployments;

/// <summary>A scripted fleet for the pure state-machine rules: what is UP, which proxy fails, how many sessions remain.</summary>
internal sealed class FakeDeploymentEnvironment(FakeTimeProvider time, params string[] proxies) : IDeploymentEnvironment
{
    public IReadOnlyList<string> Proxies { get; } = proxies;

    public List<string> Calls { get; } = [];

    /// <summary>Per proxy: are the colour's servers UP? Default: yes.</summary>
    public Func<string, Colour, bool> Up { get; set; } = (_, _) => true;

    /// <summary>Per proxy: the servers' status as HAProxy prints it; default "UP" or "DOWN" from <see cref="Up"/>.</summary>
    public Func<string, Colour, string>? Status { get; set; }

    /// <summary>Per proxy: how long its HAProxy worker has been running; default unknown (null).</summary>
    public Func<string, TimeSpan?> WorkerUptime { get; set; } = _ => null;

    /// <summary>Per proxy: the pid of its live worker; default unknown (null).</summary>
    public Func<string, int?> WorkerPid { get; set; } = _ => null;

    /// <summary>Proxies registered with a master CLI socket.</summary>
    public HashSet<string> Masters { get; } = [];

    /// <summary>Per proxy with a master: the master's pid (a new one is a full restart) and uptime.</summary>
    public Func<string, (int Pid, TimeSpan Uptime)> Master { get; set; } = _ => (1, TimeSpan.FromHours(1));

    /// <summary>Proxies whose master CLI does not answer.</summary>
    public HashSet<string> MasterUnreadable { get; } = [];

    /// <summary>Per proxy with a master: sessions to the colour on old workers (one old worker, pid 2, when non-zero).</summary>
    public Func<string, Colour, long> OldWorkerSessions { get; set; } = (_, _) => 0;

    public HashSet<string> Unreachable { get; } = [];

    /// <summary>Per proxy, asked at each backend read: does this read fail (the proxy stays reachable for everything else)?</summary>
    public Func<string, bool> ReadUnreachable { get; set; } = _ => false;

    public HashSet<string> SwitchFails { get; } = [];

    /// <summary>
    /// Proxies whose switch to green takes effect but whose answer is lost (HAProxy's reply or the grain call timed out):
    /// they route to green while the engine sees a failure.
    /// </summary>
    public HashSet<string> SwitchUnknown { get; } = [];

    /// <summary>Proxies that refuse to go back to blue.</summary>
    public HashSet<string> RevertFails { get; } = [];

    public Func<string, Colour, long> Sessions { get; set; } = (_, _) => 0;

    public Func<string, (long Errors, long Responses)> Counters { get; set; } = _ => (0, 0);

    /// <summary>Per proxy: the backend's own row (HAProxy's own 503s included); default none, as a read of server rows only.</summary>
    public Func<string, BackendTotals?> Totals { get; set; } = _ => null;

    /// <summary>Per proxy: connection + response errors (a counter) and the average response time, ms.</summary>
    public Func<string, (long ServerErrors, long ResponseTimeMs)> Quality { get; set; } = _ => (0, 0);

    public Exception? ProvisionError { get; set; }

    /// <summary>Where each proxy routes right now.</summary>
    public Dictionary<string, Colour> Routes { get; } = [];

    public Task ProvisionAsync(Colour colour, string version, CancellationToken cancellationToken)
    {
        Calls.Add($"provision {colour.Name()} {version}");
        return ProvisionError is null ? Task.CompletedTask : Task.FromException(ProvisionError);
    }

    public Task RetireAsync(Colour colour, CancellationToken cancellationToken)
    {
        Calls.Add($"retire {colour.Name()}");
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SwitchResult>> ForceRecheckAsync(Colour colour, CancellationToken cancellationToken)
    {
        Calls.Add($"recheck {colour.Name()}");
        return Task.FromResult<IReadOnlyList<SwitchResult>>(Proxies.Select(p => Unreachable.Contains(p)
            ? new SwitchResult(p, null, "unreachable")
            : new SwitchResult(p, time.GetUtcNow(), null)).ToList());
    }

    /// <summary>Instances that exited, per colour.</summary>
    public Dictionary<Colour, List<InstanceExit>> Exited { get; } = [];

    public Task<IReadOnlyList<InstanceExit>> ExitedInstancesAsync(Colour colour, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InstanceExit>>(Exited.GetValueOrDefault(colour) ?? []);

    public Task<IReadOnlyList<BackendReport>> ReadBackendNowAsync(Colour colour, CancellationToken cancellationToken) =>
        ReadBackendAsync(colour, cancellationToken);

    public Task<IReadOnlyList<BackendReport>> ReadBackendAsync(Colour colour, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BackendReport>>(Proxies.Select(p => Unreachable.Contains(p) || ReadUnreachable(p)
            ? new BackendReport { ProxyId = p, Backend = colour.Backend("web"), Reachable = false, Error = "unreachable" }
            : new BackendReport
            {
                ProxyId = p,
                Backend = colour.Backend("web"),
                Reachable = true,
                ReadAt = time.GetUtcNow(),
                WorkerUptime = WorkerUptime(p),
                Totals = Totals(p),
                Servers = [new ServerHealth("s1", Status?.Invoke(p, colour) ?? (Up(p, colour) ? "UP" : "DOWN"), "L7OK", Sessions(p, colour), 0, Counters(p).Errors, Counters(p).Responses)
                {
                    ConnectionErrors = Quality(p).ServerErrors,
                    ResponseTimeMs = Quality(p).ResponseTimeMs,
                    TotalTimeMs = Quality(p).ResponseTimeMs + 1,
                }],
            }).ToList());

    public async Task<IReadOnlyList<DrainReport>> ReadDrainAsync(Colour colour, CancellationToken cancellationToken) =>
        (await ReadBackendAsync(colour, cancellationToken)).Select(live =>
        {
            var p = live.ProxyId;
            var report = new DrainReport
            {
                Live = live with { ReadAt = time.GetUtcNow() },
                WorkerPid = live.Reachable ? WorkerPid(p) : null,
                WorkerUptime = live.Reachable ? WorkerUptime(p) : null,
                HasMaster = Masters.Contains(p),
            };
            if (!report.HasMaster || !live.Reachable)
            {
                return report;
            }

            if (MasterUnreadable.Contains(p))
            {
                return report with { MasterError = "master CLI: connection refused" };
            }

            var (pid, uptime) = Master(p);
            var old = OldWorkerSessions(p, colour);
            return report with
            {
                MasterPid = pid,
                MasterUptime = uptime,
                OtherWorkers = old > 0 ? [new WorkerSessions(2, old, false)] : [],
            };
        }).ToList();

    public Task<IReadOnlyList<SwitchResult>> SwitchAsync(Colour colour, IReadOnlyCollection<string>? proxies, CancellationToken cancellationToken)
    {
        var targets = (proxies ?? Proxies).ToImmutableList();
        Calls.Add($"switch {colour.Name()} {string.Join(",", targets)}");
        var started = time.GetTimestamp();
        var results = new List<SwitchResult>();
        foreach (var p in targets)
        {
            // The fleet starts on blue: a switch goes to green, a revert back to blue.
            if (colour == Colour.Green && SwitchUnknown.Contains(p))
            {
                Routes[p] = colour;
                results.Add(new SwitchResult(p, null, $"{p}: timed out"));
                continue;
            }

            var fails = colour == Colour.Green ? SwitchFails.Contains(p) : RevertFails.Contains(p);
            if (fails)
            {
                results.Add(new SwitchResult(p, null, $"{p} is down"));
                continue;
            }

            Routes[p] = colour;
            time.Advance(TimeSpan.FromMilliseconds(1));
            results.Add(new SwitchResult(p, time.GetUtcNow(), null) { ConfirmedAfter = time.GetElapsedTime(started) });
        }

        // Each proxy then saves the route (grain state, map file) before the call returns.
        time.Advance(SaveTime);
        return Task.FromResult<IReadOnlyList<SwitchResult>>(results);
    }

    /// <summary>How long the proxies take to save a switched route, after the last one confirmed it.</summary>
    public TimeSpan SaveTime { get; set; }

    /// <summary>Each proxy's preview colour while a preview is set.</summary>
    public Dictionary<string, Colour> Previews { get; } = [];

    public Task<IReadOnlyList<SwitchResult>> SetPreviewAsync(Colour colour, CancellationToken cancellationToken)
    {
        Calls.Add($"preview {colour.Name()}");
        return Task.FromResult<IReadOnlyList<SwitchResult>>(Proxies.Select(p =>
        {
            // Like a proxy grain: desired even where HAProxy does not answer.
            Previews[p] = colour;
            return Unreachable.Contains(p) ? new SwitchResult(p, null, $"{p} is unreachable") : new SwitchResult(p, time.GetUtcNow(), null);
        }).ToList());
    }

    public Task<IReadOnlyList<SwitchResult>> RemovePreviewAsync(CancellationToken cancellationToken)
    {
        Calls.Add("preview off");
        Previews.Clear();
        return Task.FromResult<IReadOnlyList<SwitchResult>>(Proxies.Select(p => new SwitchResult(p, time.GetUtcNow(), null)).ToList());
    }

    /// <summary>Each proxy's canary split (target colour, weight) while one is set; like a proxy grain, desired even where it failed.</summary>
    public Dictionary<string, (Colour Colour, int Weight)> Canaries { get; } = [];

    /// <summary>Proxies where setting or removing a canary split fails (HAProxy does not answer).</summary>
    public HashSet<string> CanaryFails { get; } = [];

    public Task<IReadOnlyList<SwitchResult>> SetCanaryAsync(Colour colour, int weight, CancellationToken cancellationToken)
    {
        Calls.Add($"canary {colour.Name()} {weight}");
        return Task.FromResult<IReadOnlyList<SwitchResult>>(Proxies.Select(p =>
        {
            Canaries[p] = (colour, weight);
            return CanaryFails.Contains(p) ? new SwitchResult(p, null, $"{p} is unreachable") : new SwitchResult(p, time.GetUtcNow(), null);
        }).ToList());
    }

    public Task<IReadOnlyList<SwitchResult>> RemoveCanaryAsync(CancellationToken cancellationToken)
    {
        Calls.Add("canary off");
        return Task.FromResult<IReadOnlyList<SwitchResult>>(Proxies.Select(p =>
        {
            if (CanaryFails.Contains(p))
            {
                return new SwitchResult(p, null, $"{p} is unreachable");
            }

            Canaries.Remove(p);
            return new SwitchResult(p, time.GetUtcNow(), null);
        }).ToList());
    }

    /// <summary>Per hook event, what its hooks answer (an event not here has no hook: nothing is called).</summary>
    public Dictionary<string, Func<DeploymentRecord, HookCall>> Hooks { get; } = [];

    /// <summary>The records each hook event was called about, in order.</summary>
    public List<(string Event, DeploymentRecord Deployment)> HookCalls { get; } = [];

    public Task<IReadOnlyList<HookCall>> CallHooksAsync(string hookEvent, DeploymentRecord deployment, CancellationToken cancellationToken)
    {
        if (!Hooks.TryGetValue(hookEvent, out var answer))
        {
            return Task.FromResult<IReadOnlyList<HookCall>>([]);
        }

        Calls.Add($"hook {hookEvent}");
        HookCalls.Add((hookEvent, deployment));
        return Task.FromResult<IReadOnlyList<HookCall>>([answer(deployment)]);
    }
}
