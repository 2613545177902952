using BlueGreen.Orleans.Persistence.Tests.Grains;
using BlueGreen.Orleans.Harness;
using Microsoft.Data.Sqlite;
using Orleans.Runtime;
using Orleans.Storage;

namespace BlueGreen.Orleans.Persistence.Tests;

public sealed class SqliteGrainStorageTests(SiloServicesFixture silo) : IClassFixture<SiloServicesFixture>, IDisposable
{
    private const string StateName = "state";

    private static readonly GrainId Grain = GrainId.Create("deployment", "checkout");

    private readonly TempFolder _folder = new("sqlite-storage");

    // xunit 2 has no per-test token: a deadline keeps a stuck lock from hanging the run.
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(60));

    private CancellationToken Token => _deadline.Token;

    private string DatabasePath => _folder.File("bluegreen.db");

    [Fact]
    public async Task ReadStateAsync_NothingWritten_RecordMissingWithNullEtag()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        var state = new GrainState<DeploymentRecord>(DeploymentRecord.Sample("stale"));

        await storage.ReadStateAsync(StateName, Grain, state, Token);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(string.Empty, state.State!.Service);
    }

    [Fact]
    public async Task WriteStateAsync_ReadByNewInstanceOverSameFile_ReturnsStateAndEtag()
    {
        var written = new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "checkout", Generation = 7 });
        await (await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token)).WriteStateAsync(StateName, Grain, written, Token);
        SqliteFile.ForgetOpenConnections();

        var restarted = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        var read = new GrainState<DeploymentRecord>();
        await restarted.ReadStateAsync(StateName, Grain, read, Token);

        Assert.True(read.RecordExists);
        Assert.Equal("checkout", read.State!.Service);
        Assert.Equal(7, read.State!.Generation);
        Assert.NotNull(written.ETag);
        Assert.Equal(written.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_RealisticRecordAfterRestart_EveryMemberRoundTrips()
    {
        var record = DeploymentRecord.Sample("checkout");
        await (await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token))
            .WriteStateAsync(StateName, Grain, new GrainState<DeploymentRecord>(record), Token);
        SqliteFile.ForgetOpenConnections();

        var read = new GrainState<DeploymentRecord>();
        await (await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token)).ReadStateAsync(StateName, Grain, read, Token);

        Assert.True(read.RecordExists);
        Assert.True(record.SameAs(read.State), $"read back {read.State}, releases [{string.Join(", ", read.State!.Releases)}]");
        Assert.Equal(["10.0.0.1:8080", "10.0.0.2:8080"], read.State!.Releases[0].Endpoints);
        Assert.Equal(TimeSpan.FromHours(1), read.State!.Live!.StartedAt.Offset);
    }

    [Fact]
    public async Task WriteStateAsync_StaleEtag_ThrowsInconsistentStateAndKeepsStoredState()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        // Two activations of one grain read the same (absent) record; the first write wins.
        var first = new GrainState<DeploymentRecord>();
        var second = new GrainState<DeploymentRecord>();
        await storage.ReadStateAsync(StateName, Grain, first, Token);
        await storage.ReadStateAsync(StateName, Grain, second, Token);
        first.State = new DeploymentRecord { Service = "first" };
        await storage.WriteStateAsync(StateName, Grain, first, Token);

        second.State = new DeploymentRecord { Service = "second" };
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Grain, second, Token));

        Assert.Equal(first.ETag, conflict.StoredEtag);
        Assert.Null(conflict.CurrentEtag);
        var read = new GrainState<DeploymentRecord>();
        await storage.ReadStateAsync(StateName, Grain, read, Token);
        Assert.Equal("first", read.State!.Service);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_EtagOfOlderVersion_Throws()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        var state = new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "v1" });
        await storage.WriteStateAsync(StateName, Grain, state, Token);
        var staleEtag = state.ETag;
        state.State = new DeploymentRecord { Service = "v2" };
        await storage.WriteStateAsync(StateName, Grain, state, Token);

        var stale = new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "stale" }) { ETag = staleEtag };

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Grain, stale, Token));
        Assert.NotEqual(staleEtag, state.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_OtherWriterCommitsWhileWaitingForLock_ThrowsInconsistentState()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        // Another process holds the write lock and has not yet written the record.
        await using var other = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await other.OpenAsync(Token);
        await using var otherTransaction = other.BeginTransaction(deferred: false);

        // Microsoft.Data.Sqlite blocks the calling thread while it waits for the lock, hence Task.Run.
        var write = Task.Run(
            () => storage.WriteStateAsync(StateName, Grain, new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "late" }), Token),
            Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        Assert.False(write.IsCompleted, "the write should wait for the other writer's lock");
        await using (var insert = other.CreateCommand())
        {
            insert.Transaction = otherTransaction;
            insert.CommandText = """
                INSERT INTO grain_state (storage_name, state_name, grain_id, version, payload, created_utc, modified_utc)
                VALUES ('store', $state, $grain, 1, $payload, 'now', 'now');
                """;
            insert.Parameters.AddWithValue("$state", StateName);
            insert.Parameters.AddWithValue("$grain", Grain.ToString());
            insert.Parameters.AddWithValue("$payload", silo.Serializer.Serialize(new DeploymentRecord { Service = "early" }).ToArray());
            await insert.ExecuteNonQueryAsync(Token);
        }

        await otherTransaction.CommitAsync(Token);

        // The ETag check runs inside the write's own IMMEDIATE transaction, so it sees the record committed while it
        // waited; a check made before taking the lock would have found nothing and overwritten "early".
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => write);
        Assert.Equal("1", conflict.StoredEtag);
        var read = new GrainState<DeploymentRecord>();
        await storage.ReadStateAsync(StateName, Grain, read, Token);
        Assert.Equal("early", read.State!.Service);
    }

    [Fact]
    public async Task ClearStateAsync_CurrentEtag_NewInstanceReadsNoRecord()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        var state = new GrainState<DeploymentRecord>(DeploymentRecord.Sample("checkout"));
        await storage.WriteStateAsync(StateName, Grain, state, Token);

        await storage.ClearStateAsync(StateName, Grain, state, Token);
        SqliteFile.ForgetOpenConnections();
        var read = new GrainState<DeploymentRecord>(DeploymentRecord.Sample("left over"));
        await (await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token)).ReadStateAsync(StateName, Grain, read, Token);

        Assert.False(state.RecordExists);
        Assert.Equal(string.Empty, state.State!.Service);
        Assert.False(read.RecordExists);
        Assert.Equal(string.Empty, read.State!.Service);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task ClearStateAsync_StaleEtag_ThrowsAndKeepsRecord()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        var state = new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "kept" });
        await storage.WriteStateAsync(StateName, Grain, state, Token);
        var stale = new GrainState<DeploymentRecord> { ETag = "999" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, Grain, stale, Token));

        var read = new GrainState<DeploymentRecord>();
        await storage.ReadStateAsync(StateName, Grain, read, Token);
        Assert.True(read.RecordExists);
        Assert.Equal("kept", read.State!.Service);
    }

    [Fact]
    public async Task WriteStateAsync_AfterClear_SucceedsWithClearedEtagAndRejectsEtagFromBeforeClear()
    {
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        var owner = new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "v1" });
        await storage.WriteStateAsync(StateName, Grain, owner, Token);
        // A stale activation still holds the first version's ETag.
        var stale = new GrainState<DeploymentRecord>(new DeploymentRecord { Service = "stale" }) { ETag = owner.ETag };
        await storage.ClearStateAsync(StateName, Grain, owner, Token);
        owner.State = new DeploymentRecord { Service = "v2" };
        await storage.WriteStateAsync(StateName, Grain, owner, Token);

        // Had the clear deleted the row, the re-written record would again be version 1 and this write would win.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, Grain, stale, Token));

        var read = new GrainState<DeploymentRecord>();
        await storage.ReadStateAsync(StateName, Grain, read, Token);
        Assert.Equal("v2", read.State!.Service);
    }

    [Fact]
    public async Task WriteStateAsync_SameKeyUnderOtherProviderGrainTypeOrStateName_DoesNotCollide()
    {
        var blue = await silo.CreateStorageAsync(DatabasePath, "blue", Token);
        var green = await silo.CreateStorageAsync(DatabasePath, "green", Token);
        var proxyGrain = GrainId.Create("proxy", "checkout");
        var writes = new (SqliteGrainStorage Storage, GrainId Grain, string StateName, string Service)[]
        {
            (blue, Grain, StateName, "blue/deployment/state"),
            (green, Grain, StateName, "green/deployment/state"),
            (blue, proxyGrain, StateName, "blue/proxy/state"),
            (blue, Grain, "history", "blue/deployment/history"),
        };
        foreach (var (storage, grain, stateName, service) in writes)
        {
            await storage.WriteStateAsync(stateName, grain, new GrainState<DeploymentRecord>(new DeploymentRecord { Service = service }), Token);
        }

        foreach (var (storage, grain, stateName, service) in writes)
        {
            var read = new GrainState<DeploymentRecord>();
            await storage.ReadStateAsync(stateName, grain, read, Token);
            Assert.True(read.RecordExists, service);
            Assert.Equal(service, read.State!.Service);
            Assert.Equal("1", read.ETag);
        }
    }

    [Fact]
    public async Task InitializeAsync_FolderMissing_CreatesFolderAndUsesWalJournal()
    {
        var path = Path.Combine(_folder.Path, "nested", "deeper", "bluegreen.db");

        await silo.CreateStorageAsync(path, cancellationToken: Token);

        Assert.True(File.Exists(path));
        Assert.Equal("wal", await SqliteFile.PragmaAsync(path, "journal_mode", Token));
    }

    [Fact]
    public async Task WriteStateAsync_WriterProcessKilledWithSigkill_EveryAcknowledgedWriteSurvives()
    {
        int acknowledged;
        await using (var writer = StorageWriterProcess.Start(DatabasePath, enough: 200))
        {
            await writer.WaitAsync(Token);
            await writer.KillAsync(Token);
            acknowledged = writer.LastAcknowledged;
        }

        Assert.Equal("ok", await SqliteFile.PragmaAsync(DatabasePath, "integrity_check", Token));
        var storage = await silo.CreateStorageAsync(DatabasePath, cancellationToken: Token);
        for (var write = 1; write <= acknowledged; write++)
        {
            var read = new GrainState<DeploymentRecord>();
            await storage.ReadStateAsync(StateName, StorageWriterProcess.GrainOf(write), read, Token);
            Assert.True(read.RecordExists, $"write {write} of {acknowledged} acknowledged is missing");
            Assert.True(DeploymentRecord.Sample($"service-{write}", write).SameAs(read.State), $"write {write} differs: {read.State}");
        }
    }

    public void Dispose()
    {
        _deadline.Dispose();
        SqliteFile.ForgetOpenConnections();
        _folder.Dispose();
    }
}
