using BlueGreen.Orleans.Harness;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence.Tests;

public sealed class SqliteReminderTableTests : IDisposable
{
    private static readonly GrainId Grain = GrainId.Create("deployment", "checkout");

    private static readonly DateTime StartAt = new(2025, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc);

    private readonly TempFolder _folder = new("sqlite-reminders");

    // xunit 2 has no per-test token: a deadline keeps a stuck lock from hanging the run.
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(60));

    private CancellationToken Token => _deadline.Token;

    private string DatabasePath => _folder.File("bluegreen.db");

    [Fact]
    public async Task UpsertRow_NewReminder_ReadRowReturnsItWithTheReturnedEtag()
    {
        var table = await StartTableAsync();

        var etag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);
        var row = await table.ReadRow(Grain, "drain", Token);

        Assert.False(string.IsNullOrEmpty(etag));
        Assert.NotNull(row);
        Assert.Equal(Grain, row.GrainId);
        Assert.Equal("drain", row.ReminderName);
        Assert.Equal(StartAt, row.StartAt);
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
        Assert.Equal(TimeSpan.FromMinutes(5), row.Period);
        Assert.Equal(etag, row.ETag);
    }

    [Fact]
    public async Task UpsertRow_ExistingReminder_ReplacesRowAndChangesEtag()
    {
        var table = await StartTableAsync();
        var firstEtag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);

        var secondEtag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(9)), Token);

        Assert.NotEqual(firstEtag, secondEtag);
        var rows = (await table.ReadRows(Grain, Token)).Reminders;
        var row = Assert.Single(rows);
        Assert.Equal(TimeSpan.FromMinutes(9), row.Period);
        Assert.Equal(secondEtag, row.ETag);
    }

    [Fact]
    public async Task ReadRow_UnknownReminder_ReturnsNull()
    {
        var table = await StartTableAsync();
        await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);

        Assert.Null(await table.ReadRow(Grain, "promote", Token));
        Assert.Null(await table.ReadRow(GrainId.Create("deployment", "other"), "drain", Token));
    }

    [Fact]
    public async Task RemoveRow_StaleEtag_ReturnsFalseAndKeepsRow()
    {
        var table = await StartTableAsync();
        var staleEtag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);
        var currentEtag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(6)), Token);

        var removed = await table.RemoveRow(Grain, "drain", staleEtag!, Token);

        Assert.False(removed);
        Assert.Equal(currentEtag, (await table.ReadRow(Grain, "drain", Token))?.ETag);
    }

    [Fact]
    public async Task RemoveRow_CurrentEtag_ReturnsTrueAndRowIsGone()
    {
        var table = await StartTableAsync();
        var etag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);
        await table.UpsertRow(Entry(Grain, "promote", TimeSpan.FromMinutes(5)), Token);

        var removed = await table.RemoveRow(Grain, "drain", etag!, Token);

        Assert.True(removed);
        Assert.Null(await table.ReadRow(Grain, "drain", Token));
        Assert.NotNull(await table.ReadRow(Grain, "promote", Token));
        Assert.False(await table.RemoveRow(Grain, "drain", etag!, Token));
    }

    [Fact]
    public async Task ReadRows_ByGrain_ReturnsOnlyThatGrainsReminders()
    {
        var table = await StartTableAsync();
        var other = GrainId.Create("deployment", "payments");
        await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);
        await table.UpsertRow(Entry(Grain, "promote", TimeSpan.FromMinutes(5)), Token);
        await table.UpsertRow(Entry(other, "drain", TimeSpan.FromMinutes(5)), Token);

        var rows = (await table.ReadRows(Grain, Token)).Reminders;

        Assert.Equal(["drain", "promote"], rows.Select(r => r.ReminderName).Order());
        Assert.All(rows, r => Assert.Equal(Grain, r.GrainId));
    }

    [Fact]
    public async Task ReadRows_RangeWithoutWrap_ReturnsHashesAboveBeginUpToEnd()
    {
        var (table, grains) = await StartTableWithGrainsAsync(count: 30);

        // (hash of #10, hash of #20]: #10 itself is excluded, #20 included.
        var rows = await table.ReadRows(Hash(grains[10]), Hash(grains[20]), Token);

        Assert.Equal(grains[11..21], Sorted(rows.Reminders));
    }

    [Fact]
    public async Task ReadRows_BeginAboveEnd_WrapsAroundTheRing()
    {
        var (table, grains) = await StartTableWithGrainsAsync(count: 30);

        // (hash of #25, hash of #4] wraps past uint.MaxValue: #26..#29 then #0..#4.
        var rows = await table.ReadRows(Hash(grains[25]), Hash(grains[4]), Token);

        Assert.Equal([.. grains[0..5], .. grains[26..30]], Sorted(rows.Reminders));
    }

    [Fact]
    public async Task ReadRows_BeginEqualsEnd_ReturnsTheWholeRing()
    {
        var (table, grains) = await StartTableWithGrainsAsync(count: 30);

        var rows = await table.ReadRows(Hash(grains[7]), Hash(grains[7]), Token);

        Assert.Equal(grains, Sorted(rows.Reminders));
    }

    [Fact]
    public async Task ReadRows_NewTableInstanceOverSameFile_RowsSurvive()
    {
        var table = await StartTableAsync();
        var etag = await table.UpsertRow(Entry(Grain, "drain", TimeSpan.FromMinutes(5)), Token);
        await table.StopAsync(Token);
        SqliteFile.ForgetOpenConnections();

        var restarted = await StartTableAsync();
        var row = await restarted.ReadRow(Grain, "drain", Token);
        var ring = await restarted.ReadRows(0u, 0u, Token);

        Assert.NotNull(row);
        Assert.Equal(etag, row.ETag);
        Assert.Equal(StartAt, row.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(5), row.Period);
        Assert.Single(ring.Reminders);
        Assert.True(await restarted.RemoveRow(Grain, "drain", etag!, Token));
    }

    [Fact]
    public async Task TestOnlyClearTable_RowsPresent_RemovesEveryRow()
    {
        var (table, _) = await StartTableWithGrainsAsync(count: 5);

        await table.TestOnlyClearTable(Token);

        Assert.Empty((await table.ReadRows(0u, 0u, Token)).Reminders);
    }

    private async Task<SqliteReminderTable> StartTableAsync()
    {
        var table = new SqliteReminderTable(new SqliteStorageOptions { DatabasePath = DatabasePath }, NullLogger<SqliteReminderTable>.Instance);
        await table.StartAsync(Token);
        return table;
    }

    /// <summary>A table with one reminder for each of <paramref name="count"/> grains, the grains sorted by uniform hash.</summary>
    private async Task<(SqliteReminderTable Table, GrainId[] Grains)> StartTableWithGrainsAsync(int count)
    {
        var table = await StartTableAsync();
        var grains = Enumerable.Range(0, count).Select(i => GrainId.Create("deployment", $"service-{i}")).OrderBy(Hash).ToArray();
        Assert.Equal(count, grains.Select(Hash).Distinct().Count());
        foreach (var grain in grains)
        {
            await table.UpsertRow(Entry(grain, "tick", TimeSpan.FromMinutes(1)), Token);
        }

        return (table, grains);
    }

    private static ReminderEntry Entry(GrainId grain, string name, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = StartAt, Period = period };

    private static uint Hash(GrainId grain) => grain.GetUniformHashCode();

    private static GrainId[] Sorted(IEnumerable<ReminderEntry> rows) => rows.Select(r => r.GrainId).OrderBy(Hash).ToArray();

    public void Dispose()
    {
        _deadline.Dispose();
        SqliteFile.ForgetOpenConnections();
        _folder.Dispose();
    }
}
