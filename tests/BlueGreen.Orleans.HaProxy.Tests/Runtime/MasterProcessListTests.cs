using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

/// <summary><c>show proc</c> of the master CLI, captured from HAProxy 2.6.12 (<c>haproxy -W -S</c>).</summary>
public sealed class MasterProcessListTests
{
    [Fact]
    public void Parse_AfterTwoReloadsWithSlowRequests_ListsTheOldWorkers()
    {
        var list = MasterProcessList.Parse(Captured.Read("show-proc-old-workers.txt"));

        Assert.Equal(new MasterProcess(9443, "master", 2, 0, TimeSpan.FromSeconds(13), "2.6.12-1+deb12u4"), list.Master);
        Assert.Equal([9580], list.Workers.Select(w => w.Pid));
        Assert.Equal([9566, 9446], list.OldWorkers.Select(w => w.Pid));
        Assert.Equal([1, 2], list.OldWorkers.Select(w => w.Reloads));
        Assert.Equal(TimeSpan.FromSeconds(13), list.OldWorkers[1].Uptime);
        Assert.Null(list.OldWorkers[0].FailedReloads);
        Assert.Equal([9580, 9566, 9446], list.AllWorkers.Select(w => w.Pid));
    }

    [Fact]
    public void Parse_NoReloadPending_NoOldWorkers()
    {
        var list = MasterProcessList.Parse(Captured.Read("show-proc.txt"));

        Assert.Equal(4, list.Master.Reloads);
        Assert.Equal(9807, Assert.Single(list.Workers).Pid);
        Assert.Empty(list.OldWorkers);
    }

    [Fact]
    public void Parse_FailedReload_MasterCountsItAndTheOldWorkerStaysCurrent()
    {
        var list = MasterProcessList.Parse(Captured.Read("show-proc-reload-failed.txt"));

        Assert.Equal(1, list.Master.FailedReloads);
        Assert.Equal(9580, Assert.Single(list.Workers).Pid);
        Assert.Empty(list.OldWorkers);
    }

    [Fact]
    public void Parse_DaysOfUptimeAndPrograms_ReadsWorkersOnly()
    {
        const string reply = """
            #<PID>          <type>          <reloads>       <uptime>        <version>
            1162            master          5 [failed: 0]   12d03h02m07s    2.6.12
            # workers
            1271            worker          1               0d00h00m00s     2.6.12
            # old workers
            1233            worker          3               3d00h00m43s     2.6.11
            # programs
            1244            foo             0               0d00h00m00s     -
            """;

        var list = MasterProcessList.Parse(reply);

        Assert.Equal(new TimeSpan(12, 3, 2, 7), list.Master.Uptime);
        Assert.Equal([1271, 1233], list.AllWorkers.Select(w => w.Pid));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Unknown command. Please enter one of the following commands only :")]
    [InlineData("#<PID> <type>\n# workers\n1271 worker 1 0d00h00m00s 2.6")]
    [InlineData("1162 master 5 [failed: 0] 0d00h02m07s 2.6\n# workers\n99999999999 worker 1 0d00h00m00s 2.6")]
    [InlineData("1162 master 5 [failed: 0] 0d00h02m07s 2.6\n# workers\n1271 master 1 0d00h00m00s 2.6")]
    public void Parse_NotAProcessList_FormatException(string reply) =>
        Assert.Throws<FormatException>(() => MasterProcessList.Parse(reply));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Pid_NotPositive_RefusedBeforeAnyIo(int pid) =>
        Assert.Throws<InvalidRuntimeArgumentException>(() => RuntimeArguments.Pid(pid, "pid"));

    [Fact]
    public async Task MasterClient_HostileBackendOrPid_RefusedBeforeAnyIo()
    {
        // Nothing listens there: a refusal that reached the socket would be a connection error instead.
        var client = new HaProxyMasterClient(RuntimeEndpoint.Unix("/nonexistent/master.sock"));

        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => client.ShowServerStatsAsync(1234, "web_blue; reload"));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => client.ShowServersConnAsync(1234, "web_blue\nreload"));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => client.CountSessionsAsync(0, "web_blue"));
        await Assert.ThrowsAsync<HaProxyConnectionException>(() => client.ShowProcAsync());
    }
}
