using System.Collections.Concurrent;
using System.Diagnostics;
using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Hooks;
using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Grains.Telemetry;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>
/// The real environment of a deployment: the service's proxy grains, called in parallel (never one after the other),
/// and the instance runtime of each colour.
/// </summary>
/// <param name="nextRouteVersion">Issues the version of each route change (see <see cref="IProxyGrain.SwitchRouteAsync"/>).</param>
/// <param name="watcher">
/// Told by each proxy when a backend it read changes (<see cref="IProxyGrain.WatchBackendAsync"/>): the deployment
/// waiting on it is stepped again then, not at its next poll. Null: reads only.
/// </param>
/// <param name="hooks">Calls the spec's hooks; null: none is called (the fleet of a command, not of a deployment).</param>
internal sealed class FleetEnvironment(IGrainFactory grains, IInstanceRuntimeProvider runtimes, ServiceSpec spec, TimeProvider time, Func<long> nextRouteVersion, IBackendWatcher? watcher = null, HookCaller? hooks = null) : IDeploymentEnvironment
{
    /// <summary>How many of its last output lines a dead instance's event quotes.</summary>
    private const int OutputLines = 10;

    public IReadOnlyList<string> Proxies => spec.Proxies;

    public async Task ProvisionAsync(Colour colour, string version, CancellationToken cancellationToken)
    {
        var colourSpec = spec.For(colour);
        var instances = InstanceSpecs.For(spec.Name, colour, colourSpec, version);
        var runtime = runtimes.ResolveToStart(colour.Name(), colourSpec, instances);
        await Task.WhenAll(instances.Select(i => runtime.StartAsync(i, cancellationToken)));
    }

    public async Task RetireAsync(Colour colour, CancellationToken cancellationToken)
    {
        var colourSpec = spec.For(colour);
        var runtime = runtimes.Resolve(colourSpec);
        await Task.WhenAll(colourSpec.Instances.Select(async slot =>
        {
            var name = InstanceSpecs.InstanceName(spec.Name, colour, slot);
            await runtime.StopAsync(name, spec.StopTimeout, cancellationToken);
            await runtime.RemoveAsync(name, cancellationToken);
        }));
    }

    /// <summary>
    /// Takes over the colour's instances that run already, started outside the orchestrator, where the runtime can
    /// (process: by the address each listens on; docker finds containers by name anyway; external starts nothing).
    /// </summary>
    public async Task AdoptAsync(Colour colour, string version, CancellationToken cancellationToken)
    {
        var colourSpec = spec.For(colour);
        if (runtimes.Resolve(colourSpec) is IAdoptingRuntime adopting)
        {
            await Task.WhenAll(InstanceSpecs.For(spec.Name, colour, colourSpec, version).Select(i => adopting.AdoptAsync(i, cancellationToken)));
        }
    }

    /// <summary>The colour's instances that its runtime knows (none for an external colour: it started nothing).</summary>
    public async Task<IReadOnlyList<InstanceInfo>> InstancesAsync(Colour colour, string? version, CancellationToken cancellationToken)
    {
        var colourSpec = spec.For(colour);
        var runtime = runtimes.Resolve(colourSpec);
        if (runtime.Kind == "external")
        {
            return [];
        }

        var instances = await Task.WhenAll(colourSpec.Instances.Select(async slot =>
        {
            var name = InstanceSpecs.InstanceName(spec.Name, colour, slot);
            return await runtime.InspectAsync(name, cancellationToken) is { } state
                ? new InstanceInfo
                {
                    Service = spec.Name,
                    Colour = colour,
                    Version = version,
                    Server = slot.Server,
                    Name = name,
                    Runtime = runtime.Kind,
                    Id = state.Id,
                    Running = state.Running,
                    StartedAt = state.StartedAt,
                    ExitCode = state.ExitCode,
                    Address = slot.Address,
                    Port = slot.Port,
                }
                : null;
        }));
        return instances.OfType<InstanceInfo>().ToList();
    }

    public async Task<IReadOnlyList<InstanceExit>> ExitedInstancesAsync(Colour colour, CancellationToken cancellationToken)
    {
        var colourSpec = spec.For(colour);
        var runtime = runtimes.Resolve(colourSpec);
        var exits = await Task.WhenAll(colourSpec.Instances.Select(async slot =>
        {
            var name = InstanceSpecs.InstanceName(spec.Name, colour, slot);
            var state = await runtime.InspectAsync(name, cancellationToken);
            return state is { Running: true } ? null : new InstanceExit(name, state?.ExitCode, await runtime.ReadOutputAsync(name, OutputLines, cancellationToken));
        }));
        return exits.OfType<InstanceExit>().ToList();
    }

    public Task<IReadOnlyList<SwitchResult>> ForceRecheckAsync(Colour colour, CancellationToken cancellationToken) =>
        OnEachAsync(null, async proxy =>
        {
            await proxy.ForceRecheckAsync(colour.Backend(spec.Name));
            return time.GetUtcNow();
        });

    public Task<IReadOnlyList<BackendReport>> ReadBackendAsync(Colour colour, CancellationToken cancellationToken) =>
        ReadBackendAsync(colour, (proxy, backend) => watcher is null ? proxy.GetBackendAsync(backend) : proxy.WatchBackendAsync(backend, watcher));

    public Task<IReadOnlyList<BackendReport>> ReadBackendNowAsync(Colour colour, CancellationToken cancellationToken) =>
        ReadBackendAsync(colour, (proxy, backend) => proxy.GetBackendAsync(backend));

    private async Task<IReadOnlyList<BackendReport>> ReadBackendAsync(Colour colour, Func<IProxyGrain, string, Task<BackendReport>> read)
    {
        var backend = colour.Backend(spec.Name);
        return await Task.WhenAll(spec.Proxies.Select(async id =>
        {
            try
            {
                return await read(grains.GetGrain<IProxyGrain>(id), backend);
            }
            catch (Exception e) when (e is BlueGreenException or TimeoutException or OrleansException)
            {
                return new BackendReport { ProxyId = id, Backend = backend, Reachable = false, Error = e.Message, ReadAt = time.GetUtcNow() };
            }
        }));
    }

    public async Task<IReadOnlyList<DrainReport>> ReadDrainAsync(Colour colour, CancellationToken cancellationToken)
    {
        var backend = colour.Backend(spec.Name);
        return await Task.WhenAll(spec.Proxies.Select(async id =>
        {
            try
            {
                var proxy = grains.GetGrain<IProxyGrain>(id);
                return await (watcher is null ? proxy.GetDrainAsync(backend) : proxy.WatchDrainAsync(backend, watcher));
            }
            catch (Exception e) when (e is BlueGreenException or TimeoutException or OrleansException)
            {
                return new DrainReport { Live = new BackendReport { ProxyId = id, Backend = backend, Reachable = false, Error = e.Message, ReadAt = time.GetUtcNow() } };
            }
        }));
    }

    /// <summary>
    /// Two fan-outs: <c>set map</c> on every proxy (traffic moves at each reply: the switch and its skew), then, once
    /// all have answered, each proxy persists the route. A proxy that cannot persist puts itself back and reports the
    /// error, so the engine reverts the others as for a failed switch.
    /// </summary>
    public async Task<IReadOnlyList<SwitchResult>> SwitchAsync(Colour colour, IReadOnlyCollection<string>? proxies, CancellationToken cancellationToken)
    {
        var backend = colour.Backend(spec.Name);
        // One version for both halves: newer than every change this service sent before, so a proxy refuses any of
        // those that arrives late (e.g. the forward switch of a switch being reverted now).
        var version = nextRouteVersion();
        var started = time.GetTimestamp();
        var confirmed = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var switched = await OnEachAsync(
            proxies,
            async proxy =>
            {
                var at = await proxy.SwitchRouteAsync(spec.RouteKey, backend, version);
                confirmed[proxy.GetPrimaryKeyString()] = time.GetElapsedTime(started);
                return at;
            },
            $"switch to {backend}");
        switched = [.. switched.Select(r => confirmed.TryGetValue(r.ProxyId, out var after) ? r with { ConfirmedAfter = after } : r)];
        var saved = await OnEachAsync(
            switched.Where(r => r.Succeeded).Select(r => r.ProxyId).ToList(),
            async proxy =>
            {
                await proxy.SaveRouteAsync(spec.RouteKey, backend, version);
                return time.GetUtcNow();
            },
            $"save {backend}");
        var notSaved = saved.Where(r => !r.Succeeded).ToDictionary(r => r.ProxyId, r => r.Error, StringComparer.Ordinal);
        return switched.Select(r => notSaved.TryGetValue(r.ProxyId, out var error) ? r with { CompletedAt = null, Error = error } : r).ToList();
    }

    public async Task<IReadOnlyList<HookCall>> CallHooksAsync(string hookEvent, DeploymentRecord deployment, CancellationToken cancellationToken) =>
        hooks is null ? [] : await hooks.CallAsync(spec, hookEvent, deployment, cancellationToken);

    /// <summary>
    /// A spec's apply: every proxy of the spec routes the key to <paramref name="colour"/>, desired state first, the
    /// runtime batched with the other applies' routes (<see cref="IProxyGrain.ApplyRouteAsync"/>). Not a deployment's
    /// switch: no skew is measured and nothing is reverted; a proxy that failed keeps the route desired.
    /// </summary>
    public Task<IReadOnlyList<SwitchResult>> ApplyRouteAsync(Colour colour) => ApplyRouteAsync(spec.RouteKey, colour.Backend(spec.Name));

    /// <summary>
    /// <see cref="ApplyRouteAsync(Colour)"/> for any key and value of the routes map: maintenance mode points the route
    /// key at the maintenance backend, and keeps its page's message under a key of its own.
    /// </summary>
    public async Task<IReadOnlyList<SwitchResult>> ApplyRouteAsync(string key, string value)
    {
        var version = nextRouteVersion();
        return await OnEachAsync(null, proxy => proxy.ApplyRouteAsync(key, value, version));
    }

    /// <summary>Removes a key from every proxy of the spec (versioned; a proxy that no longer knows the key counts as done).</summary>
    public async Task<IReadOnlyList<SwitchResult>> RemoveRouteAsync(string key)
    {
        var version = nextRouteVersion();
        return await OnEachAsync(null, async proxy =>
        {
            await proxy.RemoveRouteAsync(key, version);
            return time.GetUtcNow();
        });
    }

    public Task<IReadOnlyList<SwitchResult>> SetPreviewAsync(Colour colour, CancellationToken cancellationToken) =>
        ApplyRouteAsync(PreviewRoute.Key(spec.RouteKey), colour.Backend(spec.Name));

    public Task<IReadOnlyList<SwitchResult>> RemovePreviewAsync(CancellationToken cancellationToken) =>
        RemoveRouteAsync(PreviewRoute.Key(spec.RouteKey));

    public Task<IReadOnlyList<SwitchResult>> SetCanaryAsync(Colour colour, int weight, CancellationToken cancellationToken) =>
        ApplyRouteAsync(CanaryRoute.Key(spec.RouteKey), CanaryRoute.Value(weight, colour.Backend(spec.Name)));

    public Task<IReadOnlyList<SwitchResult>> RemoveCanaryAsync(CancellationToken cancellationToken) =>
        RemoveRouteAsync(CanaryRoute.Key(spec.RouteKey));

    /// <param name="span">Traces each proxy's call as a child of the current span (the step), e.g. to see the skew.</param>
    private async Task<IReadOnlyList<SwitchResult>> OnEachAsync(IReadOnlyCollection<string>? only, Func<IProxyGrain, Task<DateTimeOffset>> action, string? span = null) =>
        await Task.WhenAll((only ?? spec.Proxies).Select(async id =>
        {
            using var activity = span is null ? null : BlueGreenTelemetry.ActivitySource.StartActivity("bluegreen.proxy.call");
            activity?.SetTag("bluegreen.proxy", id);
            activity?.DisplayName = $"{id}: {span}";
            try
            {
                return new SwitchResult(id, await action(grains.GetGrain<IProxyGrain>(id)), null);
            }
            catch (Exception e) when (e is BlueGreenException or TimeoutException or OrleansException)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                return new SwitchResult(id, null, e.Message);
            }
        }));
}
