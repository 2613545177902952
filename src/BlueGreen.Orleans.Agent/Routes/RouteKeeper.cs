using System.Net.Sockets;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>
/// Holds one desired-routes version and converges three places to it: HAProxy's runtime map (one
/// <c>set</c>/<c>add</c>/<c>del map</c> per key that differs, each timed), the agent's state file (so a crash from
/// then on re-applies this version) and the map file (so a reload from then on loads it). A version from the server
/// goes to the runtime first and is acknowledged twice, as a direct switch and its save are two steps; a re-apply of
/// the held version writes the map file first. Never replays history: only the held version matters. Not thread-safe:
/// <see cref="AgentCore"/> serializes every call.
/// </summary>
internal sealed partial class RouteKeeper(HaProxyRuntimeClient client, string mapFile, RouteStateStore store, TimeProvider time, ILogger<RouteKeeper> logger)
{
    private const int MaxErrorLength = 512;

    /// <summary>The version the agent holds (on its disk), or null before the first one.</summary>
    public DesiredRoutes? Held { get; private set; }

    public long HeldVersion => Held?.Version ?? 0;

    /// <summary>True when the runtime map and the map file hold <see cref="Held"/> (as of the last convergence).</summary>
    public bool Converged { get; private set; }

    public string MapFile { get; } = RuntimeArguments.Map(mapFile, nameof(mapFile));

    /// <summary>Reads the state file; an unreadable one is logged and leaves nothing held (HAProxy is not touched).</summary>
    public async Task<DesiredRoutes?> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            Held = await store.LoadAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Log.StateUnreadable(logger, store.FilePath, e.Message);
            Held = null;
        }

        Converged = false;
        return Held;
    }

    /// <summary>A version from the server, with no early acknowledgement (see the overload).</summary>
    public Task<RoutesApplyResult> OfferAsync(DesiredRoutes desired, CancellationToken cancellationToken) => OfferAsync(desired, null, cancellationToken);

    /// <summary>
    /// A version from the server: older or equal ones are acknowledged without any I/O, an invalid one is refused. A newer
    /// one goes to HAProxy's runtime map first, as a direct proxy's switch does (traffic moves as soon as HAProxy has it),
    /// and <paramref name="runtimeApplied"/> hears so at once (<see cref="AckStatus.RuntimeApplied"/>, the version held on
    /// disk unchanged); then the state file and the map file are written, and the result is the final acknowledgement.
    /// Those two writes are bookkeeping once traffic has moved: they run at the lowest CPU priority
    /// (<see cref="WritePriority.Background"/>), so that on a busy host they wait for HAProxy and for the work that moves
    /// traffic, not the other way round. A re-apply (a reload put the old routes back) writes at the normal priority.
    /// </summary>
    /// <remarks>
    /// A crash between the two leaves HAProxy on the new routes and the disk on the old ones: the restarted agent puts
    /// the old ones back and says so in its hello, and the server, which had no final acknowledgement, counts the change
    /// as failed and resyncs by version. A state file that cannot be written puts the runtime map back as it was before
    /// the change, so that HAProxy never keeps what the disk does not hold. When the last convergence succeeded, the
    /// runtime map is taken to hold the held version (no <c>show map</c> before the switch) and is read back after the
    /// disk writes, putting right anything changed by hand. A runtime that cannot be reached still has the version
    /// written (desired first, retried every tick), as before.
    /// </remarks>
    public async Task<RoutesApplyResult> OfferAsync(DesiredRoutes desired, Func<RoutesApplyResult, Task>? runtimeApplied, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        if (desired.Version <= HeldVersion)
        {
            var status = desired.Version == HeldVersion ? AckStatus.AlreadyHeld : AckStatus.Stale;
            return Result(desired.Version, status, ApplyTrigger.Server, started);
        }

        if (DesiredRoutesValidator.FirstError(desired) is { } invalid)
        {
            Log.Refused(logger, desired.Version, invalid);
            return Result(desired.Version, AckStatus.Refused, ApplyTrigger.Server, started) with { Error = invalid };
        }

        // Converged, the runtime map holds what is held (a reload since loaded the map file, which holds it too): only
        // the keys that differ are sent, with no read first, and the runtime is read back once the disk is written.
        var assumed = Converged ? Held?.Routes : null;
        var runtimeStarted = time.GetTimestamp();
        var (before, commands, runtimeError) = await ConvergeRuntimeAsync(desired, cancellationToken, assumed);
        var runtime = time.GetElapsedTime(runtimeStarted);
        if (runtimeError is null && runtimeApplied is not null)
        {
            await runtimeApplied(Result(desired.Version, AckStatus.RuntimeApplied, ApplyTrigger.Server, started) with
            {
                Commands = commands,
                Runtime = runtime,
                HaProxyPid = client.LastInfo?.Pid ?? 0,
            });
        }

        var stateStarted = time.GetTimestamp();
        try
        {
            await store.SaveAsync(desired, WritePriority.Background, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not taken: the disk does not hold it, so neither may HAProxy (a restart would bring the old version back).
            Log.StateWriteFailed(logger, desired.Version, e.Message);
            var putBack = before is null ? null : (await ConvergeRuntimeAsync(new DesiredRoutes(HeldVersion, before), cancellationToken)).Error;
            Converged = false;
            var error = $"state file: {e.Message}" + (putBack is null ? string.Empty : $"; the runtime map could not be put back ({putBack}), retried every tick");
            return Result(desired.Version, AckStatus.Failed, ApplyTrigger.Server, started) with { Error = OneLine(error), Commands = commands, Runtime = runtime };
        }

        var stateFile = time.GetElapsedTime(stateStarted);
        Held = desired;
        Converged = false;
        var mapStarted = time.GetTimestamp();
        if (await WriteMapFileAsync(desired, WritePriority.Background, cancellationToken) is { } mapError)
        {
            return Result(desired.Version, AckStatus.Failed, ApplyTrigger.Server, started) with
            {
                Error = mapError,
                Commands = commands,
                StateFile = stateFile,
                MapFile = time.GetElapsedTime(mapStarted),
                Runtime = runtime,
            };
        }

        var mapFile = time.GetElapsedTime(mapStarted);
        if (assumed is not null && runtimeError is null)
        {
            // Read back: a runtime map changed by hand meanwhile is put right now, not at the next version.
            var checkStarted = time.GetTimestamp();
            var (_, fixes, checkError) = await ConvergeRuntimeAsync(desired, cancellationToken);
            commands = [.. commands, .. fixes];
            runtimeError = checkError;
            runtime += time.GetElapsedTime(checkStarted);
        }

        return Finish(desired, ApplyTrigger.Server, started, commands, runtimeError, stateFile, mapFile, runtime);
    }

    /// <summary>Converges to the held version again (start, HAProxy reloaded or restarted, retry); null when nothing is held.</summary>
    public async Task<RoutesApplyResult?> ReapplyAsync(ApplyTrigger trigger, CancellationToken cancellationToken)
    {
        if (Held is null)
        {
            return null;
        }

        var started = time.GetTimestamp();
        if (DesiredRoutesValidator.FirstError(Held) is { } invalid)
        {
            return Result(Held.Version, AckStatus.Refused, trigger, started) with { Error = invalid };
        }

        return await ConvergeAsync(trigger, started, TimeSpan.Zero, cancellationToken);
    }

    private async Task<RoutesApplyResult> ConvergeAsync(ApplyTrigger trigger, long started, TimeSpan stateFile, CancellationToken cancellationToken)
    {
        var held = Held!;
        var mapStarted = time.GetTimestamp();
        if (await WriteMapFileAsync(held, WritePriority.Normal, cancellationToken) is { } mapError)
        {
            return Result(held.Version, AckStatus.Failed, trigger, started) with
            {
                Error = mapError,
                StateFile = stateFile,
                MapFile = time.GetElapsedTime(mapStarted),
            };
        }

        var mapFileTime = time.GetElapsedTime(mapStarted);
        var runtimeStarted = time.GetTimestamp();
        var (_, commands, error) = await ConvergeRuntimeAsync(held, cancellationToken);
        return Finish(held, trigger, started, commands, error, stateFile, mapFileTime, time.GetElapsedTime(runtimeStarted));
    }

    /// <summary>The map file written with the routes (atomically, fsynced); the one-line error, or null.</summary>
    private async Task<string?> WriteMapFileAsync(DesiredRoutes routes, WritePriority priority, CancellationToken cancellationToken)
    {
        try
        {
            var entries = routes.Routes.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new MapEntry(r.Key, r.Value));
            await HaProxy.Maps.MapFile.WriteAsync(MapFile, entries, priority, cancellationToken);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.MapFileFailed(logger, routes.Version, e.Message);
            return OneLine($"map file: {e.Message}");
        }
    }

    /// <summary>The held version's result once the state file, the map file and the runtime map are done.</summary>
    private RoutesApplyResult Finish(
        DesiredRoutes held, ApplyTrigger trigger, long started, IReadOnlyList<RouteCommandOutcome> commands, string? error, TimeSpan stateFile, TimeSpan mapFile, TimeSpan runtime)
    {
        Converged = error is null;
        var result = Result(held.Version, Converged ? AckStatus.Applied : AckStatus.Failed, trigger, started) with
        {
            Error = error,
            Commands = commands,
            StateFile = stateFile,
            MapFile = mapFile,
            Runtime = runtime,
            HaProxyPid = client.LastInfo?.Pid ?? 0,
        };
        if (Converged)
        {
            Log.Applied(logger, held.Version, trigger, commands.Count, result.Total.TotalMilliseconds);
        }
        else
        {
            Log.ApplyFailed(logger, held.Version, trigger, error!);
        }

        return result;
    }

    /// <summary>The runtime map now (<c>show map</c>); a key listed twice keeps its first value, the one HAProxy matches.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadRuntimeAsync(CancellationToken cancellationToken)
    {
        var entries = await client.ShowMapAsync(MapFile, cancellationToken);
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            routes.TryAdd(entry.Key, entry.Value);
        }

        return routes;
    }

    /// <summary>
    /// Reads the runtime map and runs one command per key that differs. A refused command is recorded and the others
    /// still run; a lost connection ends the pass (the next tick retries). Returns what the runtime map held before
    /// (each key's first value, the one HAProxy matches), or null when it could not be read.
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, string>? Before, IReadOnlyList<RouteCommandOutcome> Commands, string? Error)> ConvergeRuntimeAsync(
        DesiredRoutes held, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? assumed = null)
    {
        IReadOnlyList<MapEntry> current;
        try
        {
            current = assumed is null
                ? await client.ShowMapAsync(MapFile, cancellationToken)
                : [.. assumed.Select(r => new MapEntry(r.Key, r.Value))];
        }
        catch (Exception e) when (IsHaProxyFailure(e))
        {
            return (null, [], OneLine($"show map: {e.Message}"));
        }

        var runtime = current.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToList(), StringComparer.Ordinal);
        var plan = new List<(string Verb, string Key, string Value)>();
        foreach (var (key, backend) in held.Routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!runtime.TryGetValue(key, out var values))
            {
                plan.Add(("add map", key, backend));
            }
            else if (values.Count > 1)
            {
                // HAProxy matches the first of duplicate keys: one clean entry, whatever the file once held.
                plan.Add(("del map", key, string.Empty));
                plan.Add(("add map", key, backend));
            }
            else if (!string.Equals(values[0], backend, StringComparison.Ordinal))
            {
                plan.Add(("set map", key, backend));
            }
        }

        plan.AddRange(runtime.Keys.Where(k => !held.Routes.ContainsKey(k)).Order(StringComparer.Ordinal).Select(k => ("del map", k, string.Empty)));

        var outcomes = new List<RouteCommandOutcome>(plan.Count);
        string? error = null;
        foreach (var (verb, key, value) in plan)
        {
            var commandStarted = time.GetTimestamp();
            try
            {
                await (verb switch
                {
                    "set map" => client.SetMapAsync(MapFile, key, value, cancellationToken),
                    "add map" => client.AddMapAsync(MapFile, key, value, cancellationToken),
                    _ => client.DeleteMapAsync(MapFile, key, cancellationToken),
                });
                outcomes.Add(new RouteCommandOutcome(verb, key, value, true, null, time.GetElapsedTime(commandStarted)));
            }
            catch (Exception e) when (IsHaProxyFailure(e))
            {
                var message = OneLine(e.Message);
                outcomes.Add(new RouteCommandOutcome(verb, key, value, false, message, time.GetElapsedTime(commandStarted)));
                error ??= $"{verb} {key}: {message}";
                if (e is not HaProxyCommandException)
                {
                    break;
                }
            }
        }

        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in current)
        {
            before.TryAdd(entry.Key, entry.Value);
        }

        return (before, outcomes, error is null ? null : OneLine(error));
    }

    private RoutesApplyResult Result(long version, AckStatus status, ApplyTrigger trigger, long started) => new()
    {
        Version = version,
        Status = status,
        HeldVersion = HeldVersion,
        Trigger = trigger,
        Total = time.GetElapsedTime(started),
        FinishedAt = time.GetUtcNow(),
    };

    internal static bool IsHaProxyFailure(Exception e) =>
        e is HaProxyCommandException or HaProxyConnectionException or HaProxyTimeoutException or HaProxyReplyTooLargeException
            or FormatException or IOException or SocketException;

    private static string OneLine(string text)
    {
        var line = RuntimeArguments.Printable(text.ReplaceLineEndings(" "), MaxErrorLength);
        return line;
    }
}
