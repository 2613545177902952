using BlueGreen.Orleans.Catalog;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Catalog;

/// <summary>Route-key claims in the one catalog grain: atomic, released only by their holder.</summary>
public sealed class CatalogGrainTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    private ICatalogGrain Catalog => _cluster.Client.GetGrain<ICatalogGrain>(0);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(BlueGreenStorage.Name);
            silo.UseInMemoryReminderService();
            silo.AddBlueGreenGrains();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ClaimRouteKeyAsync_TwentyServicesAtOnce_ExactlyOneHoldsTheKey()
    {
        var services = Enumerable.Range(0, 20).Select(i => $"svc-{i}").ToList();

        var answers = await Task.WhenAll(services.Select(s => Catalog.ClaimRouteKeyAsync("race.local", s)));

        var winner = services[Array.IndexOf(answers, null)];
        Assert.Single(answers, a => a is null);
        Assert.All(answers.Where(a => a is not null), owner => Assert.Equal(winner, owner));
        Assert.Null(await Catalog.ClaimRouteKeyAsync("race.local", winner));
    }

    [Fact]
    public async Task ReleaseRouteKeyAsync_OnlyTheHolderFreesTheKey()
    {
        Assert.Null(await Catalog.ClaimRouteKeyAsync("shop.local", "shop"));

        await Catalog.ReleaseRouteKeyAsync("shop.local", "cart");
        Assert.Equal("shop", await Catalog.ClaimRouteKeyAsync("shop.local", "cart"));

        await Catalog.ReleaseRouteKeyAsync("shop.local", "shop");
        Assert.Null(await Catalog.ClaimRouteKeyAsync("shop.local", "cart"));
    }

    [Fact]
    public async Task IndexRouteKeysAsync_ExistingClaimsKeptAndFirstSpecWins()
    {
        Assert.Null(await Catalog.ClaimRouteKeyAsync("mail.local", "mail"));

        await Catalog.IndexRouteKeysAsync(
        [
            KeyValuePair.Create("mail.local", "old-mail"),
            KeyValuePair.Create("auth.local", "auth"),
            KeyValuePair.Create("auth.local", "auth-copy"),
        ]);

        Assert.False(await Catalog.NeedsRouteKeyIndexAsync());
        Assert.Equal("mail", await Catalog.ClaimRouteKeyAsync("mail.local", "x"));
        Assert.Equal("auth", await Catalog.ClaimRouteKeyAsync("auth.local", "auth-copy"));
    }

    [Fact]
    public async Task NeedsRouteKeyIndexAsync_AfterSiloStart_AlreadyIndexed() =>
        // The startup task indexes once (here: no services), so later starts skip it.
        Assert.False(await Catalog.NeedsRouteKeyIndexAsync());
}
