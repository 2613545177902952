using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Grains.Catalog;
using BlueGreen.Orleans.Grains.Tests.Integration;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Grains.Tests.Catalog;

/// <summary>
/// Route-key claims in the one catalog grain: atomic, released only by their holder; changes arriving together share a
/// write, and a failed write fails every caller it carried.
/// </summary>
public sealed class CatalogGrainTests : IAsyncLifetime
{
    private const string StateName = "catalog";
    private readonly FaultyGrainStorage _storage = new();
    private InProcessTestCluster _cluster = null!;

    private ICatalogGrain Catalog => _cluster.Client.GetGrain<ICatalogGrain>(0);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("memory");
            silo.Services.AddGrainStorage(BlueGreenStorage.Name, (services, _) =>
            {
                _storage.Inner = services.GetRequiredKeyedService<IGrainStorage>("memory");
                return _storage;
            });
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
    public async Task SetServiceAsync_FiftyArriveWhileAWriteHangs_AllListedWithFarFewerWrites()
    {
        var services = Enumerable.Range(0, 50).Select(i => $"svc-{i}").ToList();
        var before = _storage.Writes(StateName);
        var slowStore = _storage.HoldWrites(StateName);

        var calls = Task.WhenAll(services.Select(s => Catalog.SetServiceAsync(s, true)));
        try
        {
            // The first write hangs; every call that arrives meanwhile joins the next one.
            await Eventually.UntilAsync(() => Task.FromResult(_storage.Waiting(StateName)), n => n > 0, TimeSpan.FromSeconds(10), "the first catalog write waiting");
        }
        finally
        {
            _storage.Heal(StateName);
            slowStore.SetResult();
        }

        await calls;

        // One write per call before group commit (50).
        Assert.InRange(_storage.Writes(StateName) - before, 1, 25);
        Assert.True((await Catalog.ListServicesAsync()).SetEquals(services));
        Assert.True((await _storage.StoredAsync<CatalogState>(StateName)).Services.SetEquals(services));
    }

    [Fact]
    public async Task ClaimRouteKeyAsync_WriteFails_EveryCallerFailsAndNothingIsClaimedOrListed()
    {
        _storage.FailWrites(StateName, new IOException("catalog store down"));

        var calls = Enumerable.Range(0, 10).Select(i => i % 2 == 0
            ? Catalog.ClaimRouteKeyAsync($"k{i}.local", $"svc-{i}")
            : Catalog.SetServiceAsync($"svc-{i}", true)).ToList();
        foreach (var call in calls)
        {
            // The storage bridge wraps the store's error.
            var error = await Assert.ThrowsAsync<OrleansException>(() => call);
            Assert.Equal("catalog store down", Assert.IsType<IOException>(error.InnerException).Message);
        }

        _storage.Heal(StateName);
        Assert.Empty(await Catalog.ListServicesAsync());
        // Memory holds what storage holds: the failed claim is not one, so another service may take the key.
        Assert.Null(await Catalog.ClaimRouteKeyAsync("k0.local", "other"));
        Assert.Equal("other", (await _storage.StoredAsync<CatalogState>(StateName)).RouteKeys["k0.local"]);
    }

    [Fact]
    public async Task NeedsRouteKeyIndexAsync_AfterSiloStart_AlreadyIndexed() =>
        // The startup task indexes once (here: no services), so later starts skip it.
        Assert.False(await Catalog.NeedsRouteKeyIndexAsync());
}
