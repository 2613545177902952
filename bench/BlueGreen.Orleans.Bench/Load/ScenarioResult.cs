namespace BlueGreen.Orleans.Bench.Load;

/// <summary>One (proxies, client) run of release → promote → rollback under load, and whether it holds the claim.</summary>
internal sealed record ScenarioResult(
    int Proxies,
    string Client,
    long RequiredRequests,
    ClientRun? Run,
    IReadOnlyList<DeploymentTiming> Deployments,
    IReadOnlyList<string?> Routes,
    string? Error)
{
    public const string FinalBackend = "web_green";

    /// <summary>Why the claim does not hold for this run; empty when it does.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            var failures = new List<string>();
            if (Error is not null)
            {
                failures.Add(Error);
            }

            if (Run is { } run)
            {
                if (run.Failed > 0)
                {
                    failures.Add($"{run.Failed} failed requests");
                }

                if (run.Sent < RequiredRequests)
                {
                    failures.Add($"only {run.Sent} of {RequiredRequests} requests sent");
                }
            }
            else if (Error is null)
            {
                failures.Add("no load result");
            }

            if (Deployments.Count < 3 || Deployments.Any(d => !d.Succeeded))
            {
                failures.Add("not every deployment succeeded");
            }

            if (Routes.Count != Proxies || Routes.Any(r => r != FinalBackend))
            {
                failures.Add($"not every proxy routes to {FinalBackend} at the end");
            }

            return failures;
        }
    }
}
