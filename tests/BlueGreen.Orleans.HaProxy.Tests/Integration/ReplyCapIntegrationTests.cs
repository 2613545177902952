using System.Text;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>The reply cap against a real haproxy 2.6 holding a large map: the default leaves room, a smaller cap is enforced.</summary>
public sealed class ReplyCapIntegrationTests
{
    private const int Entries = 5000;

    [Fact]
    public async Task ShowMap_FiveThousandEntries_ReadUnderTheDefaultCap_RefusedUnderASmallerOneThenReconnects()
    {
        var routes = Enumerable.Range(0, Entries).ToDictionary(i => $"service-{i:D5}.example.internal", i => $"service-{i:D5}_blue");
        await using var proxy = await HaProxyInstance.StartAsync([new ServiceBackends { Name = "web" }], routes);
        await using var roomy = proxy.CreateClient();

        var entries = await roomy.ShowMapAsync(proxy.MapFile);
        var size = Encoding.UTF8.GetByteCount(await roomy.ExecuteAsync($"show map {proxy.MapFile}", idempotent: true, CancellationToken.None));

        Assert.Equal(Entries, entries.Count);
        Assert.InRange(size, 200_000, HaProxyRuntimeOptions.DefaultMaxReplyBytes / 16);

        await using var tight = proxy.CreateClient(new HaProxyRuntimeOptions { MaxReplyBytes = size / 2 });
        var error = await Assert.ThrowsAsync<HaProxyReplyTooLargeException>(() => tight.ShowMapAsync(proxy.MapFile));
        Assert.Equal(size / 2, error.Limit);

        // The same client, on a new connection: the rest of the refused reply is not taken for the next one's.
        Assert.Equal("service-00042_blue", await tight.GetMapAsync(proxy.MapFile, "service-00042.example.internal"));
        Assert.Equal(2, tight.ConnectionsOpened);
    }
}
