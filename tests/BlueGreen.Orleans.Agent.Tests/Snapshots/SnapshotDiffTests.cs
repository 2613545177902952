using BlueGreen.Orleans.Agent.Snapshots;

namespace BlueGreen.Orleans.Agent.Tests.Snapshots;

public sealed class SnapshotDiffTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_NoPrevious_EveryBackendAsFull()
    {
        var current = Snapshot(T0, Backend("web_green", Server("s1", "UP")), Backend("web_blue", Server("s1", "UP")));

        var change = SnapshotDiff.Compute(null, current);

        Assert.True(change.Full);
        Assert.Equal(["web_blue", "web_green"], change.Changed.Select(b => b.Name));
        Assert.Empty(change.Removed);
    }

    [Fact]
    public void Compute_NothingChanged_Empty()
    {
        var before = Snapshot(T0, Backend("web_blue", Server("s1", "UP", sessions: 3)), Backend("web_green", Server("s1", "DOWN")));
        var after = Snapshot(T0.AddSeconds(1), Backend("web_blue", Server("s1", "UP", sessions: 3)), Backend("web_green", Server("s1", "DOWN")));

        Assert.True(SnapshotDiff.Compute(before, after).IsEmpty);
    }

    [Fact]
    public void Compute_OnlyTheSecondsSinceLastChangeGrew_Empty()
    {
        var before = Snapshot(T0, Backend("web_blue", Server("s1", "UP", lastChange: 10)));
        var after = Snapshot(T0.AddSeconds(1), Backend("web_blue", Server("s1", "UP", lastChange: 11)));

        Assert.True(SnapshotDiff.Compute(before, after).IsEmpty);
    }

    [Fact]
    public void Compute_OneServerChanged_OnlyItsBackendWhole()
    {
        var before = Snapshot(T0, Backend("web_blue", Server("s1", "UP"), Server("s2", "UP")), Backend("web_green", Server("s1", "DOWN")));
        var after = Snapshot(T0.AddSeconds(1), Backend("web_blue", Server("s1", "UP"), Server("s2", "UP")), Backend("web_green", Server("s1", "UP")));

        var change = SnapshotDiff.Compute(before, after);

        Assert.False(change.Full);
        var backend = Assert.Single(change.Changed);
        Assert.Equal("web_green", backend.Name);
        Assert.Equal("UP", Assert.Single(backend.Servers).Status);
        Assert.Empty(change.Removed);
    }

    [Fact]
    public void Compute_SessionsChanged_Reported()
    {
        var before = Snapshot(T0, Backend("web_blue", Server("s1", "UP", sessions: 2)));
        var after = Snapshot(T0.AddSeconds(1), Backend("web_blue", Server("s1", "UP", sessions: 0)));

        Assert.Equal("web_blue", Assert.Single(SnapshotDiff.Compute(before, after).Changed).Name);
    }

    [Fact]
    public void Compute_BackendAddedAndRemoved_AddedChangedRemovedNamed()
    {
        var before = Snapshot(T0, Backend("old_blue", Server("s1", "UP")), Backend("web_blue", Server("s1", "UP")));
        var after = Snapshot(T0.AddSeconds(1), Backend("new_blue"), Backend("web_blue", Server("s1", "UP")));

        var change = SnapshotDiff.Compute(before, after);

        Assert.Equal("new_blue", Assert.Single(change.Changed).Name);
        Assert.Equal(["old_blue"], change.Removed);
    }

    [Fact]
    public void Compute_ServerAddedToBackend_Reported()
    {
        var before = Snapshot(T0, Backend("web_blue", Server("s1", "UP")));
        var after = Snapshot(T0.AddSeconds(1), Backend("web_blue", Server("s1", "UP"), Server("s2", "MAINT")));

        Assert.Equal(2, Assert.Single(SnapshotDiff.Compute(before, after).Changed).Servers.Count);
    }

    private static FleetSnapshot Snapshot(DateTimeOffset readAt, params BackendView[] backends) =>
        new(readAt, 42, backends.ToDictionary(b => b.Name, StringComparer.Ordinal));

    private static BackendView Backend(string name, params ServerView[] servers) => new(name, servers);

    private static ServerView Server(string name, string status, long sessions = 0, long lastChange = 5) =>
        new(name, status, "L7OK", sessions, 0, 0, lastChange, 0, 10, "127.0.0.1:8080");
}
