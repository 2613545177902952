using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Harness.Load;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>
/// The load generator the benches, the demo and the fault suite count failed requests with: it must see a switch as
/// zero failures and a dead backend as failures (no retry hides them).
/// </summary>
public sealed class LoadGeneratorTests
{
    [Fact]
    public async Task Load_SwitchBetweenHealthyColours_NoFailuresAndBothColoursAnswer()
    {
        await using var stage = await Stage.StartAsync();
        var load = LoadGenerator.Start([stage.Proxy.FrontendUrl], new LoadOptions(Stage.Host, Clients: 8));
        await using (load)
        {
            await load.WaitForRequestsAsync(500);
            await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);
            var atSwitch = load.Sent;
            await load.WaitForRequestsAsync(atSwitch + 500);
        }

        var result = await load.StopAsync();
        Assert.True(result.Failed == 0, $"{result.Failed} of {result.Sent} failed: {string.Join("; ", result.Errors.Take(5))}");
        Assert.True(result.Sent >= 1000, $"sent {result.Sent}");
        Assert.True(result.ByColour.GetValueOrDefault("blue") > 0);
        Assert.True(result.ByColour.GetValueOrDefault("green") > 0);
        Assert.Equal(result.Sent, result.ByColour.Values.Sum());
        Assert.Equal(result.Sent, result.LatenciesMs.Count);
    }

    [Fact]
    public async Task Load_LiveColourKilled_FailuresCountedNotRetried()
    {
        await using var stage = await Stage.StartAsync(blueDelay: TimeSpan.FromMilliseconds(200));
        var load = LoadGenerator.Start([stage.Proxy.FrontendUrl], new LoadOptions(Stage.Host, Clients: 8));
        await using (load)
        {
            await load.WaitForRequestsAsync(40);
            await stage.Blue.StopAsync();
            await Eventually.UntilAsync(() => Task.FromResult(load.Failed), f => f >= 8, TimeSpan.FromSeconds(10), "failures seen");
        }

        var result = await load.StopAsync();
        Assert.True(result.Failed >= 8, $"failed {result.Failed}");
        Assert.NotEmpty(result.Errors);
        Assert.Equal(result.Sent - result.Failed, result.ByColour.Values.Sum());
    }
}
