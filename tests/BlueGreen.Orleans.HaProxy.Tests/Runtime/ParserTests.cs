using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

public sealed class ParserTests
{
    [Fact]
    public void ShowStat_CapturedCsv_ReadsColumnsByName()
    {
        var rows = StatRow.ParseCsv(Captured.Read("show-stat.csv"));

        Assert.Equal(6, rows.Count);
        var blue = Assert.Single(rows, r => r.ProxyName == "web_blue" && r.ServiceName == "s1");
        Assert.Equal("UP", blue.Status);
        Assert.True(blue.IsUp);
        Assert.Equal(2, blue.CurrentSessions);
        Assert.Equal("L7OK", blue.CheckStatus);
        Assert.Equal(StatRowType.Server, blue.Type);
        Assert.Equal(0, blue.Http5xxResponses);
        Assert.Equal("127.0.0.1:18001", blue["addr"]);

        var green = Assert.Single(rows, r => r.ProxyName == "web_green" && r.ServiceName == "s1");
        Assert.Equal("DOWN", green.Status);
        Assert.False(green.IsUp);
        Assert.Equal("L4CON", green.CheckStatus);
        Assert.Equal("Connection refused", green.LastCheck);

        var frontend = Assert.Single(rows, r => r.Type == StatRowType.Frontend);
        Assert.Equal("OPEN", frontend.Status);
        Assert.Null(frontend["check_status"]);
    }

    [Theory]
    [InlineData("UP 1/2")]
    [InlineData("DOWN 1/2")]
    [InlineData("MAINT")]
    [InlineData("DRAIN")]
    [InlineData("no check")]
    public void ShowStat_StatusOtherThanExactlyUp_IsNotUp(string status)
    {
        var csv = $"# pxname,svname,status,\nweb_green,s1,{status},\n";

        var row = Assert.Single(StatRow.ParseCsv(csv));

        Assert.Equal(status, row.Status);
        Assert.False(row.IsUp);
    }

    [Theory]
    [InlineData("* L7OK", "L7OK")]
    [InlineData("* L4CON", "L4CON")]
    [InlineData("L7OK", "L7OK")]
    [InlineData("", "")]
    public void ShowStat_CheckRunningAtTheRead_LastKnownStatusWithoutTheMarker(string reported, string expected)
    {
        var row = Assert.Single(StatRow.ParseCsv($"# pxname,svname,status,check_status,\nweb_green,s1,UP,{reported},\n"));

        Assert.Equal(expected, row.CheckStatus);
    }

    [Fact]
    public void ShowStat_WithoutHeader_Throws() =>
        Assert.Throws<FormatException>(() => StatRow.ParseCsv("web_blue,s1,UP\n"));

    [Fact]
    public void ShowServersConn_Captured_ReadsUsedCur()
    {
        var row = Assert.Single(ServerConnections.Parse(Captured.Read("show-servers-conn.txt")));

        Assert.Equal("web_blue", row.Backend);
        Assert.Equal("s1", row.Server);
        Assert.Equal("127.0.0.1", row.Address);
        Assert.Equal(18001, row.Port);
        Assert.Equal(2, row.UsedCurrent);
        Assert.Equal(3, row.UsedMax);
    }

    [Fact]
    public void ShowInfo_Captured_ReadsPidUptimeStopping()
    {
        var info = HaProxyInfo.Parse(Captured.Read("show-info.txt"));

        Assert.True(info.Pid > 0);
        Assert.False(info.Stopping);
        Assert.StartsWith("2.6.", info.Version, StringComparison.Ordinal);
        Assert.True(info.UptimeSeconds >= 0);
    }

    [Fact]
    public void ShowInfo_StoppingWorker_IsStopping()
    {
        var info = HaProxyInfo.Parse(Captured.Read("show-info.txt").Replace("Stopping: 0", "Stopping: 1", StringComparison.Ordinal));

        Assert.True(info.Stopping);
    }

    [Fact]
    public void ShowInfo_KeysTwiceAndSpaces_FirstLineOfEachKeyCounts()
    {
        var info = HaProxyInfo.Parse("Name: HAProxy\r\nVersion:  2.6.12 \nPid: 41\nPid: 42\nUptime_sec: 9\nStopping: 1\nStopping: 0\nCurrConns: 3\nno colon here\n: no key\n");

        Assert.Equal(new HaProxyInfo(41, 9, true, "2.6.12", 3), info);
    }

    [Fact]
    public void ShowInfo_PidNotANumber_Throws() =>
        Assert.Throws<FormatException>(() => HaProxyInfo.Parse("Pid: 4x\nPid: 42\n"));

    [Fact]
    public void ShowInfo_WithoutPid_Throws() =>
        Assert.Throws<FormatException>(() => HaProxyInfo.Parse("Name: HAProxy\n"));

    [Fact]
    public void ShowMapList_Captured_ReadsIdFileAndCount()
    {
        var map = Assert.Single(MapDescriptor.Parse(Captured.Read("show-map-list.txt")));

        Assert.Equal(2, map.Id);
        Assert.Equal("/tmp/hx/hosts.map", map.File);
        Assert.Equal(1, map.EntryCount);
    }

    [Fact]
    public void ShowMap_Captured_ReadsEntries()
    {
        var entry = Assert.Single(MapEntry.ParseShowMap(Captured.Read("show-map.txt")));

        Assert.Equal(new MapEntry("web.local", "web_blue"), entry);
    }

    [Fact]
    public void GetMap_Captured_ReadsValueOrNull()
    {
        Assert.Equal("web_blue", MapEntry.ParseGetMapValue(Captured.Read("get-map-found.txt")));
        Assert.Null(MapEntry.ParseGetMapValue(Captured.Read("get-map-missing.txt")));
    }

    [Fact]
    public void ShowServersState_Captured_ReadsStatesAndDrainFlag()
    {
        var rows = ServerState.Parse(Captured.Read("show-servers-state.txt"));

        Assert.Equal(2, rows.Count);
        var blue = rows[0];
        Assert.Equal(("web_blue", "s1", 18001), (blue.Backend, blue.Server, blue.Port));
        Assert.Equal(ServerOperationalState.Running, blue.OperationalState);
        Assert.False(blue.Draining);
        Assert.False(blue.InMaintenance);
        var green = rows[1];
        Assert.Equal(ServerOperationalState.Stopped, green.OperationalState);
        Assert.True(green.Draining);
    }
}
