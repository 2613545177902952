using System.Collections.Immutable;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>A watcher that only remembers what it was told, in order ("proxy/backend").</summary>
[Alias("bluegreen.tests.IRecordingWatcherGrain")]
public interface IRecordingWatcherGrain : IGrainWithStringKey, IBackendWatcher
{
    [Alias("Heard")]
    Task<ImmutableList<string>> HeardAsync();
}
