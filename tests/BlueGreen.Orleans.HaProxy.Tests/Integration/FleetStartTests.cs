using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>
/// The harness's fleet start (<see cref="HaProxyInstance.AddStartedAsync"/>), which the fault fleets and the benches
/// use: a haproxy that started beside one that failed is handed to the caller, who stops it, never left running.
/// </summary>
public sealed class FleetStartTests
{
    [Fact]
    public async Task AddStartedAsync_OneStartFails_TheOneThatStartedIsKeptAndTheFailureThrown()
    {
        var started = new List<HaProxyInstance>();
        var running = HaProxyInstance.StartAsync([new ServiceBackends { Name = "web" }], unixSocket: true);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HaProxyInstance.AddStartedAsync(
                [running, Task.FromException<HaProxyInstance>(new InvalidOperationException("no such haproxy"))], started));

            Assert.Equal("no such haproxy", error.Message);
            var kept = Assert.Single(started);
            Assert.False(kept.HasExited);
        }
        finally
        {
            // By PID, also when the assertions failed: the one started is stopped whether or not the helper kept it.
            await (await running).DisposeAsync();
        }
    }
}
