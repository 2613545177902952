using BlueGreen.Orleans.Agent.Watching;

namespace BlueGreen.Orleans.Agent.Tests.Watching;

public sealed class ReloadWatcherTests
{
    [Fact]
    public void Observe_FirstSight_NoChange()
    {
        Assert.Null(new ReloadWatcher().Observe(Identity(100, 5)));
    }

    [Fact]
    public void Observe_SameWorkerUptimeGrowing_NoChange()
    {
        var watcher = new ReloadWatcher();
        watcher.Observe(Identity(100, 5));

        Assert.Null(watcher.Observe(Identity(100, 6)));
        Assert.Null(watcher.Observe(Identity(100, 6)));
    }

    [Fact]
    public void Observe_NewWorkerPid_Change()
    {
        var watcher = new ReloadWatcher();
        watcher.Observe(Identity(100, 5));

        Assert.Contains("worker pid 100 → 200", watcher.Observe(Identity(200, 0)), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_SamePidUptimeWentBack_Change()
    {
        var watcher = new ReloadWatcher();
        watcher.Observe(Identity(100, 50));

        Assert.Contains("uptime went back", watcher.Observe(Identity(100, 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_ConnectionLeftAStoppingWorker_Change()
    {
        var watcher = new ReloadWatcher();
        watcher.Observe(Identity(100, 5));

        Assert.Contains("stopping worker", watcher.Observe(Identity(100, 5, stopping: 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_NewMasterPid_Change()
    {
        var watcher = new ReloadWatcher();
        watcher.Observe(Identity(100, 5, master: 10));

        Assert.Contains("master pid 10 → 11", watcher.Observe(Identity(100, 6, master: 11)), StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_AfterAChange_ComparesWithTheNewOne()
    {
        var watcher = new ReloadWatcher();
        watcher.Observe(Identity(100, 5));
        watcher.Observe(Identity(200, 0));

        Assert.Null(watcher.Observe(Identity(200, 1)));
    }

    private static HaProxyIdentity Identity(int pid, long uptime, int stopping = 0, int? master = null) => new(pid, uptime, stopping, master, "2.6.12");
}
