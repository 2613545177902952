using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Grains.Tests.Instances;

public sealed class InstanceRuntimeProviderTests
{
    [Fact]
    public async Task Dispose_ProcessRuntimeCreated_DisposesIt()
    {
        using var folder = new TempFolder("provider");
        var provider = new InstanceRuntimeProvider(
            Options.Create(new InstanceRuntimeOptions { ProcessStateDirectory = folder.Path }), NullLoggerFactory.Instance, TimeProvider.System);
        var runtime = provider.Resolve(new ColourSpec { Runtime = "process" });
        // Nothing runs under that name: the call only takes (and creates) the instance's gate.
        await runtime.RemoveAsync("web-blue-s1");

        provider.Dispose();

        // A disposed process runtime has released its gates.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runtime.RemoveAsync("web-blue-s1"));
    }
}
