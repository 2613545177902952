using BlueGreen.Orleans.Deployments;

namespace BlueGreen.Orleans.Grains.Services;

/// <summary>
/// What a finished deployment makes of its service's state, as a pure function: the live colour, the versions each
/// colour runs, which colours run and stay warm, and the bounded history. The service grain persists its result in the
/// same turn as the deployment's last step.
/// </summary>
public static class ServiceCompletion
{
    public static ServiceState Complete(ServiceState s, DeploymentRecord d, DateTimeOffset now, int historyLimit)
    {
        var running = s.Running;
        var warm = s.WarmUntil;
        if (d.ProvisionTarget || d.Outcome == DeploymentOutcome.Succeeded)
        {
            running = running.Add(d.Target);
        }

        if (d.Retired)
        {
            running = running.Remove(d.RetireColour);
        }

        var live = s.LiveColour;
        var versions = s.Versions;
        if (d.ProvisionTarget && running.Contains(d.Target))
        {
            // The target was (re)started with this version and still runs (a revert or its retirement failed): the
            // record says what runs, so a later rollback to it is "of" this version.
            versions = versions.SetItem(d.Target, d.Version);
        }

        if (d.Outcome == DeploymentOutcome.Succeeded)
        {
            live = d.Target;
            versions = versions.SetItem(d.Target, d.Version);
            if (!d.Retired && running.Contains(d.From) && d.From != d.Target)
            {
                warm = warm.SetItem(d.From, now + d.Options.KeepWarm);
            }
        }

        var history = s.History.Insert(0, d);
        return s with
        {
            Active = null,
            LiveColour = live,
            Versions = versions,
            Running = running,
            WarmUntil = warm,
            History = history.Count > historyLimit ? history.RemoveRange(historyLimit, history.Count - historyLimit) : history,
        };
    }
}
