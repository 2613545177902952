using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Grains.Proxies;

/// <summary>
/// Forced rechecks (every server of a backend DOWN, so only a check from now on brings it UP), batched: the backends
/// asked while a batch runs share the next, two round trips whatever their number (read their servers, set them all
/// DOWN). A wave of releases starting together costs each proxy a few round trips, not one grain turn per release.
/// </summary>
internal sealed partial class ProxyGrain
{
    private GroupCommit<string>? _rechecks;

    public async Task ForceRecheckAsync(string backend)
    {
        if (IsAgentMode)
        {
            await ForceAgentRecheckAsync(backend);
            return;
        }

        Proxy();

        // Refused alone: in the batch, a name HAProxy must not see would fail every other caller too.
        CheckName(backend, nameof(backend));

        await (_rechecks ??= new GroupCommit<string>(RecheckBatchAsync)).CommitAsync(backend);
    }

    private async Task RecheckBatchAsync(IReadOnlyList<string> backends)
    {
        var distinct = backends.Distinct(StringComparer.Ordinal).ToList();
        await CallAsync(async proxy =>
        {
            var read = await proxy.ShowBackendsAsync(distinct);
            var servers = read.SelectMany(b => b.Servers.Select(s => (b.Backend, s.ServiceName))).ToList();
            await proxy.SetServersHealthAsync(servers, ServerHealthState.Down);
        });

        // Only a read from now on may show these backends UP again.
        foreach (var backend in distinct)
        {
            Invalidate(backend);
        }
    }
}
