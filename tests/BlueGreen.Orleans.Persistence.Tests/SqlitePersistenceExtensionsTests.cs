using BlueGreen.Orleans.Persistence.Tests.Grains;
using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace BlueGreen.Orleans.Persistence.Tests;

/// <summary>Real silos registered through the extension methods, restarted over the same database file.</summary>
public sealed class SqlitePersistenceExtensionsTests : IDisposable
{
    private readonly TempFolder _folder = new("sqlite-cluster");

    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromMinutes(2));

    private CancellationToken Token => _deadline.Token;

    [Fact]
    public async Task AddSqliteGrainStorageAsDefaultAndUseSqliteReminderService_NewClusterOnSameFile_ReadsStateAndRemindersOfOldCluster()
    {
        var databasePath = _folder.File("embedded.db");
        var record = DeploymentRecord.Sample("checkout");

        await using (var first = await StartClusterAsync(databasePath))
        {
            var grain = first.Client.GetGrain<IDeploymentGrain>("checkout");
            await grain.SaveAsync(record, Token);
            await grain.RegisterReminderAsync("drain-blue", Token);
            Assert.True(await grain.HasReminderAsync("drain-blue", Token));
            await first.StopAllSilosAsync(Token);
        }

        await using var second = await StartClusterAsync(databasePath);
        var restarted = second.Client.GetGrain<IDeploymentGrain>("checkout");

        var stored = await restarted.GetAsync(Token);
        Assert.NotNull(stored);
        Assert.True(record.SameAs(stored), $"read back {stored}");
        Assert.True(await restarted.HasReminderAsync("drain-blue", Token));
        Assert.False(await restarted.HasReminderAsync("never-registered", Token));
        var table = second.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        Assert.IsType<SqliteReminderTable>(table);
        var rows = await table.ReadRows(restarted.GetGrainId(), Token);
        Assert.Equal("drain-blue", Assert.Single(rows.Reminders).ReminderName);
    }

    private async Task<InProcessTestCluster> StartClusterAsync(string databasePath)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo
            .AddSqliteGrainStorageAsDefault(options => options.DatabasePath = databasePath)
            .UseSqliteReminderService(options => options.DatabasePath = databasePath));
        var cluster = builder.Build();
        await cluster.DeployAsync(Token);
        return cluster;
    }

    public void Dispose()
    {
        _deadline.Dispose();
        SqliteFile.ForgetOpenConnections();
        _folder.Dispose();
    }
}
