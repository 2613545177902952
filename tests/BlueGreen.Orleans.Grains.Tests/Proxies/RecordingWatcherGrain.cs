using System.Collections.Immutable;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

internal sealed class RecordingWatcherGrain : Grain, IRecordingWatcherGrain
{
    private ImmutableList<string> _heard = [];

    public Task BackendChangedAsync(string proxy, string backend)
    {
        _heard = _heard.Add($"{proxy}/{backend}");
        return Task.CompletedTask;
    }

    public Task<ImmutableList<string>> HeardAsync() => Task.FromResult(_heard);
}
