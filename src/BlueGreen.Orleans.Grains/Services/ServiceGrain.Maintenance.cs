using System.Collections.Immutable;
using BlueGreen.Orleans.Auditing;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// Maintenance mode (Kamal's): the route key points at the maintenance backend on every proxy (one for every service),
/// which answers 503 with a page, and back at the live colour when it ends. Both go through the proxies' apply path (versioned,
/// desired state and map file first, runtime batched), so a reload or restart keeps them and a proxy that missed one
/// gets it from its monitor. The page's message is a second key of the routes map, named after the route key
/// (<see cref="MaintenancePage"/>): the route key cannot change while maintenance is on.
/// </summary>
internal sealed partial class ServiceGrain
{
    /// <summary>How many maintenance changes the record keeps.</summary>
    private const int MaintenanceHistoryLimit = 20;

    public async Task<ServiceInfo> SetMaintenanceAsync(bool enabled, string? message)
    {
        RequireSpec();
        var spec = state.State.Spec!;
        if (!enabled)
        {
            return await EndMaintenanceAsync(spec);
        }

        // Checked again here, before anything reaches HAProxy: the gateway and the CLI check it first.
        if (message is not null && !FieldRules.MaintenanceMessage.IsValid(message))
        {
            throw new BlueGreenException(ErrorCode.InvalidArgument, $"message: must be {FieldRules.MaintenanceMessage.Description}.");
        }

        if (state.State.Active is { } active)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not put into maintenance: deployment {active.Id} ({active.Kind} to {active.Target.Name()} {active.Version}, step {active.Step}) is in progress; wait for it to finish or abort it (bluegreen abort {Name}), then turn maintenance on.");
        }

        await RefuseWithoutMaintenanceBackendAsync(spec);
        var key = MaintenancePage.MessageKey(spec.RouteKey);
        var claimed = state.State.Maintenance is null;
        if (claimed && await Catalog.ClaimRouteKeyAsync(key, Name) is { } owner)
        {
            throw new BlueGreenException(ErrorCode.AlreadyExists, $"service '{Name}' was not put into maintenance: '{key}', the map key of its maintenance message, is the route key of service '{owner}'.");
        }

        var change = new MaintenanceChange(true, message, Actor.Stamp(time));
        var saved = state.State;
        state.State = state.State with { Maintenance = change, MaintenanceHistory = Bounded(state.State.MaintenanceHistory.Insert(0, change)) };
        try
        {
            await PersistForCallerAsync(saved);
        }
        catch when (claimed)
        {
            await Catalog.ReleaseRouteKeyAsync(key, Name);
            throw;
        }
        Log.MaintenanceOn(logger, Name, change.Change.By);

        // The message first: the first request the maintenance backend answers shows it.
        var fleet = Fleet(spec);
        var failed = Failures(await fleet.ApplyRouteAsync(key, MaintenancePage.Encode(message ?? MaintenancePage.DefaultMessage)));
        failed.AddRange(Failures(await fleet.ApplyRouteAsync(spec.RouteKey, MaintenancePage.Backend)));
        ThrowIfNotSet(failed, "in maintenance");
        return Info();
    }

    /// <summary>
    /// Routes the key back to the live colour on every proxy and drops the message. Also when maintenance is off
    /// already (the record says so): the call is then a re-apply of the live route, which finishes an earlier "off"
    /// whose proxies did not all answer.
    /// </summary>
    private async Task<ServiceInfo> EndMaintenanceAsync(ServiceSpec spec)
    {
        var key = MaintenancePage.MessageKey(spec.RouteKey);
        if (state.State.Maintenance is not null)
        {
            var change = new MaintenanceChange(false, null, Actor.Stamp(time));
            var saved = state.State;
            state.State = state.State with { Maintenance = null, MaintenanceHistory = Bounded(state.State.MaintenanceHistory.Insert(0, change)) };
            await PersistForCallerAsync(saved);
            Log.MaintenanceOff(logger, Name, change.Change.By);
        }

        var fleet = Fleet(spec);
        var failed = Failures(await fleet.ApplyRouteAsync(state.State.LiveColour));
        failed.AddRange(Failures(await fleet.RemoveRouteAsync(key)));
        if (state.State.Maintenance is null)
        {
            await Catalog.ReleaseRouteKeyAsync(key, Name);
        }

        ThrowIfNotSet(failed, $"out of maintenance ({state.State.LiveColour.Name()} live)");
        return Info();
    }

    /// <summary>No deployment while in maintenance: its switch would send traffic back to a colour behind the operator's back.</summary>
    private void RefuseInMaintenance(string what)
    {
        if (state.State.Maintenance is { } m)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' is in maintenance (since {m.Change.At:yyyy-MM-dd HH:mm:ss} UTC, by {m.Change.By}): no {what} starts while it is; turn it off first with 'bluegreen maintenance off {Name}'.");
        }
    }

    /// <summary>
    /// Every proxy must have the maintenance backend (a config rendered before maintenance mode has not): a route to a
    /// backend HAProxy lacks would send the service's traffic to the no-route answer instead of the page.
    /// </summary>
    private async Task RefuseWithoutMaintenanceBackendAsync(ServiceSpec spec)
    {
        if (await ProxyProblemsAsync(spec, MaintenancePage.Backend) is { Count: > 0 } problems)
        {
            throw new BlueGreenException(ErrorCode.FailedPrecondition, $"service '{Name}' was not put into maintenance, nothing was changed: {string.Join(". ", problems)} (render its config again with 'bluegreen haproxy config' and reload HAProxy).");
        }
    }

    /// <summary>The backend the route key points at now: the maintenance page while in maintenance, else the live colour.</summary>
    private string RoutedBackend(ServiceSpec spec) =>
        state.State.Maintenance is null ? state.State.LiveColour.Backend(spec.Name) : MaintenancePage.Backend;

    private static List<string> Failures(IReadOnlyList<SwitchResult> results) =>
        [.. results.Where(r => !r.Succeeded).Select(r => $"{r.ProxyId}: {r.Error}")];

    private void ThrowIfNotSet(List<string> failed, string what)
    {
        if (failed.Count > 0)
        {
            throw new BlueGreenException(ErrorCode.Unavailable, $"service '{Name}' is {what} in its record, but the route could not be set on: {string.Join("; ", failed.Distinct(StringComparer.Ordinal))}; each of those proxies sets it once HAProxy answers.");
        }
    }

    private static ImmutableList<MaintenanceChange> Bounded(ImmutableList<MaintenanceChange> history) =>
        history.Count > MaintenanceHistoryLimit ? history.RemoveRange(MaintenanceHistoryLimit, history.Count - MaintenanceHistoryLimit) : history;
}
