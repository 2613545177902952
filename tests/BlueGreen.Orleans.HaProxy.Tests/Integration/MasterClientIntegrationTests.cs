using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>The master CLI of a real haproxy (<c>-W -S</c>): old workers after a reload, and what they still carry.</summary>
public sealed class MasterClientIntegrationTests
{
    [Fact]
    public async Task ShowProc_FreshHaProxy_OneWorkerTheRuntimeApiAlsoSees()
    {
        await using var stage = await Stage.StartAsync();
        var master = stage.Proxy.CreateMasterClient();

        var processes = await master.ShowProcAsync();

        Assert.Equal(stage.Proxy.MasterPid, processes.Master.Pid);
        Assert.Equal((await stage.Client.ShowInfoAsync()).Pid, Assert.Single(processes.Workers).Pid);
        Assert.Empty(processes.OldWorkers);
    }

    [Fact]
    public async Task Reload_SlowRequestOnTheOldWorker_OnlyTheMasterCliSeesIt()
    {
        await using var stage = await Stage.StartAsync(blueDelay: TimeSpan.FromSeconds(3));
        var master = stage.Proxy.CreateMasterClient();
        using var slowClient = new FrontendClient(stage.Proxy.FrontendUrl);
        var before = (await stage.Client.ShowInfoAsync()).Pid;
        var slow = slowClient.GetAsync(Stage.Host, "/slow");
        await Eventually.UntilAsync(() => stage.ServerAsync(Stage.BlueBackend), r => r.CurrentSessions == 1, TimeSpan.FromSeconds(5), "1 session on blue");

        var after = await stage.Proxy.ReloadAsync();

        // The live worker has no session to blue: a drain that read it alone would call blue drained now.
        Assert.Equal(0, (await stage.ServerAsync(Stage.BlueBackend)).CurrentSessions);
        var processes = await master.ShowProcAsync();
        Assert.Equal(after, Assert.Single(processes.Workers).Pid);
        Assert.Equal(before, Assert.Single(processes.OldWorkers).Pid);
        var old = await master.CountSessionsAsync(before, Stage.BlueBackend);
        Assert.Equal(new WorkerSessionCount(before, 2, Exited: false), old);
        Assert.Equal(0, (await master.CountSessionsAsync(before, Stage.GreenBackend)).Sessions);
        Assert.Equal(0, (await master.CountSessionsAsync(before, "no_such_backend")).Sessions);

        Assert.Equal("blue", (await slow).Echo?.Colour);
        var gone = await Eventually.UntilAsync(() => master.ShowProcAsync(), p => p.OldWorkers.Count == 0, TimeSpan.FromSeconds(10), "old worker exited");
        Assert.Equal(after, Assert.Single(gone.Workers).Pid);
        Assert.Equal(new WorkerSessionCount(before, 0, Exited: true), await master.CountSessionsAsync(before, Stage.BlueBackend));
        await Assert.ThrowsAsync<HaProxyWorkerExitedException>(() => master.ShowServerStatsAsync(before, Stage.BlueBackend));
    }

    [Fact]
    public async Task MasterSocket_RenderedAtLevelUser_RefusesReloadAndWrites()
    {
        await using var stage = await Stage.StartAsync();
        var worker = (await stage.Client.ShowInfoAsync()).Pid;
        using var socket = await stage.Proxy.MasterApi.ConnectAsync(CancellationToken.None);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"@!{worker} set server {Stage.BlueBackend}/s1 state maint\n"));
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var buffer = new byte[256];
        var read = await socket.ReceiveAsync(buffer);

        Assert.StartsWith("Permission denied", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        Assert.True((await stage.ServerAsync(Stage.BlueBackend)).IsUp);
    }
}
