using System.Globalization;

namespace BlueGreen.Orleans.Agent.Watching;

/// <summary>
/// Tells whether the HAProxy seen now is not the one seen last: reloaded (new worker pid, or the connection found itself
/// on a stopping worker) or restarted (new master pid, or the uptime went back — a restarted worker may get its old
/// pid again). Either way its runtime map was reloaded from the map file, and the agent re-applies its routes.
/// </summary>
internal sealed class ReloadWatcher
{
    private HaProxyIdentity? _last;

    public HaProxyIdentity? Last => _last;

    /// <summary>Why HAProxy changed since the last observation, or null (the same one, or the first one seen).</summary>
    public string? Observe(HaProxyIdentity current)
    {
        var last = _last;
        _last = current;
        if (last is null)
        {
            return null;
        }

        if (current.MasterPid is { } master && last.MasterPid is { } lastMaster && master != lastMaster)
        {
            return string.Create(CultureInfo.InvariantCulture, $"master pid {lastMaster} → {master}");
        }

        if (current.WorkerPid != last.WorkerPid)
        {
            return string.Create(CultureInfo.InvariantCulture, $"worker pid {last.WorkerPid} → {current.WorkerPid}");
        }

        if (current.UptimeSeconds < last.UptimeSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture, $"worker uptime went back from {last.UptimeSeconds} s to {current.UptimeSeconds} s");
        }

        return current.StoppingWorkersLeft > last.StoppingWorkersLeft ? "the connection was on a stopping worker" : null;
    }
}
