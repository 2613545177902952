using System.Net;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Integration;

/// <summary>The Runtime API client against real haproxy 2.6 processes and real echo backends.</summary>
public sealed class RuntimeClientIntegrationTests
{
    [Fact]
    public async Task SetMap_SwitchToGreen_RequestsThroughFrontendLandOnGreen()
    {
        await using var stage = await Stage.StartAsync();
        Assert.Equal("blue", (await stage.Http.GetAsync(Stage.Host)).Echo?.Colour);

        await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);

        for (var i = 0; i < 20; i++)
        {
            var reply = await stage.Http.GetAsync(Stage.Host, $"/after-switch/{i}");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("green", reply.Echo?.Colour);
            Assert.Equal("2", reply.Echo?.Version);
        }

        Assert.Equal(Stage.GreenBackend, await stage.Client.GetMapAsync(stage.Proxy.MapFile, Stage.Host));
        Assert.Equal(1, stage.Client.ConnectionsOpened);
    }

    [Fact]
    public async Task Frontend_UnknownHost_NoRoute404()
    {
        await using var stage = await Stage.StartAsync();

        var reply = await stage.Http.GetAsync("unknown.local");

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Contains("no route", reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_InFlightRequestsOnOldColour_ShowInUsedCurAndScurUntilDone()
    {
        await using var stage = await Stage.StartAsync(blueDelay: TimeSpan.FromMilliseconds(1500));
        using var slowClient = new FrontendClient(stage.Proxy.FrontendUrl);
        var inFlight = Enumerable.Range(0, 3).Select(i => slowClient.GetAsync(Stage.Host, $"/slow/{i}")).ToArray();
        await Eventually.UntilAsync(() => stage.ServerAsync(Stage.BlueBackend), r => r.CurrentSessions == 3, TimeSpan.FromSeconds(5), "3 sessions on blue");

        await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);

        // Read only after the switch: the old colour still holds the in-flight requests.
        var conn = Assert.Single(await stage.Client.ShowServersConnAsync(Stage.BlueBackend));
        Assert.Equal(3, conn.UsedCurrent);
        Assert.Equal(3, (await stage.ServerAsync(Stage.BlueBackend)).CurrentSessions);
        Assert.Equal("green", (await stage.Http.GetAsync(Stage.Host)).Echo?.Colour);

        var replies = await Task.WhenAll(inFlight);
        Assert.All(replies, r => Assert.Equal("blue", r.Echo?.Colour));
        await Eventually.UntilAsync(() => stage.ServerAsync(Stage.BlueBackend), r => r.CurrentSessions == 0, TimeSpan.FromSeconds(5), "blue drained");
        await Eventually.UntilAsync(
            async () => Assert.Single(await stage.Client.ShowServersConnAsync(Stage.BlueBackend)).UsedCurrent, n => n == 0, TimeSpan.FromSeconds(15), "used_cur 0");
    }

    [Fact]
    public async Task ShowStat_StoppedBackend_ReportedDown()
    {
        await using var stage = await Stage.StartAsync();
        Assert.True((await stage.ServerAsync(Stage.GreenBackend)).IsUp);

        await stage.Green.StopAsync();

        // The check in flight when the process dies may fail as SOCKERR or L7RSP; every later one is refused (L4CON).
        var row = await Eventually.UntilAsync(
            () => stage.ServerAsync(Stage.GreenBackend), r => r.Status == "DOWN" && r.CheckStatus == "L4CON", TimeSpan.FromSeconds(5), "green DOWN, connection refused");
        Assert.False(row.IsUp);
        Assert.True((await stage.ServerAsync(Stage.BlueBackend)).IsUp);
    }

    [Fact]
    public async Task ShowServerStats_OneBackend_OnlyItsServersAndTheSameCountersAsShowStat()
    {
        await using var stage = await Stage.StartAsync();
        await stage.Http.GetAsync(Stage.Host);

        var rows = await stage.Client.ShowServerStatsAsync(Stage.BlueBackend);

        var row = Assert.Single(rows);
        Assert.Equal((Stage.BlueBackend, "s1", StatRowType.Server), (row.ProxyName, row.ServiceName, row.Type));
        Assert.True(row.IsUp);
        Assert.True(row.HttpResponses >= 1);
        var full = await stage.ServerAsync(Stage.BlueBackend);
        Assert.Equal(full.HttpResponses, row.HttpResponses);
        await Assert.ThrowsAsync<HaProxyUnknownBackendException>(() => stage.Client.ShowServerStatsAsync("nope"));
    }

    [Fact]
    public async Task ShowBackends_SeveralBackendsOneUnknown_EachWithItsServersInOneCall()
    {
        await using var stage = await Stage.StartAsync();
        await stage.Http.GetAsync(Stage.Host);

        // More backends than one pipelined write carries: the reply of each is still its own.
        var asked = new[] { Stage.BlueBackend, "nope", Stage.GreenBackend }
            .Concat(Enumerable.Repeat(Stage.BlueBackend, HaProxyRuntimeClient.BackendsPerBatch)).ToList();
        var read = await stage.Client.ShowBackendsAsync(asked);

        Assert.Equal(asked, read.Select(b => b.Backend));
        var blue = read[0];
        Assert.Equal("s1", Assert.Single(blue.Servers).ServiceName);
        Assert.True(blue.Servers[0].IsUp);
        Assert.Equal("s1", Assert.Single(blue.Connections).Server);
        Assert.Empty(read[1].Servers);
        Assert.Equal("s1", Assert.Single(read[2].Servers).ServiceName);
        Assert.All(read.Skip(3), b => Assert.Equal(blue.Servers[0].ServiceName, Assert.Single(b.Servers).ServiceName));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => stage.Client.ShowBackendsAsync([Stage.BlueBackend, "web_blue;shutdown sessions server web_blue/s1"]));
    }

    [Fact]
    public async Task ShowBackends_EveryServerDown_HaProxysOwn503OnTheBackendRowOnly()
    {
        await using var stage = await Stage.StartAsync();
        await stage.Http.GetAsync(Stage.Host);
        var before = (await stage.Client.ShowBackendsAsync([Stage.BlueBackend]))[0];
        await stage.Client.SetServerHealthAsync(Stage.BlueBackend, "s1", ServerHealthState.Down);

        var replies = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            replies.Add((await stage.Http.GetAsync(Stage.Host)).Status);
        }

        var after = (await stage.Client.ShowBackendsAsync([Stage.BlueBackend]))[0];
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r));
        Assert.NotNull(before.Totals);
        Assert.NotNull(after.Totals);
        // The analysis must see these: the server's row does not.
        Assert.Equal(5, after.Totals.Http5xxResponses - before.Totals.Http5xxResponses);
        Assert.Equal(before.Servers[0].Http5xxResponses, Assert.Single(after.Servers).Http5xxResponses);
        Assert.Equal(StatRowType.Backend, after.Totals.Type);
    }

    [Fact]
    public async Task SetServersHealth_ManyServersOneUnknown_KnownOnesDownTheUnknownSkipped()
    {
        await using var stage = await Stage.StartAsync();
        var blue = await stage.ServerAsync(Stage.BlueBackend);
        var green = await stage.ServerAsync(Stage.GreenBackend);
        Assert.True(blue.IsUp && green.IsUp);

        await stage.Client.SetServersHealthAsync([(Stage.BlueBackend, "s1"), (Stage.BlueBackend, "s9"), ("nope", "s1"), (Stage.GreenBackend, "s1")], ServerHealthState.Down);

        // Each went DOWN once (chkdown counts it). Not its status: the stage's next check (every 100 ms while DOWN, rise
        // 1) may have brought it UP again before the read, as a loaded full run once showed.
        Assert.Equal(blue.CheckDownTransitions + 1, (await stage.ServerAsync(Stage.BlueBackend)).CheckDownTransitions);
        Assert.Equal(green.CheckDownTransitions + 1, (await stage.ServerAsync(Stage.GreenBackend)).CheckDownTransitions);
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => stage.Client.SetServersHealthAsync([(Stage.BlueBackend, "s1\nshutdown sessions server web_blue/s1")], ServerHealthState.Down));
    }

    [Fact]
    public async Task UpsertMapEntries_ManyKeysNewAndExisting_EachSetOnceInOneCall()
    {
        await using var stage = await Stage.StartAsync();
        var map = stage.Proxy.MapFile;
        var entries = Enumerable.Range(0, HaProxyRuntimeClient.BackendsPerBatch + 3).Select(i => KeyValuePair.Create($"app-{i}.example", Stage.GreenBackend))
            .Append(KeyValuePair.Create(Stage.Host, Stage.GreenBackend)).ToList();

        await stage.Client.UpsertMapEntriesAsync(map, entries);

        var shown = await stage.Client.ShowMapAsync(map);
        Assert.All(entries, e => Assert.Equal(Stage.GreenBackend, Assert.Single(shown, s => s.Key == e.Key).Value));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => stage.Client.UpsertMapEntriesAsync(map, [KeyValuePair.Create("x.example", "web_green;del map " + map + " " + Stage.Host)]));
        Assert.Equal(Stage.GreenBackend, await stage.Client.GetMapAsync(map, Stage.Host));
    }

    /// <summary>
    /// Upserts of one absent key from several callers at once (a proxy's monitor re-applying a desired route while an
    /// apply sets it) add it once: each finds it absent with <c>set map</c>, and without one upsert at a time each then
    /// ran <c>add map</c>, leaving duplicates HAProxy keeps.
    /// </summary>
    [Fact]
    public async Task UpsertMap_ConcurrentCallersOfOneAbsentKey_OneEntry()
    {
        await using var stage = await Stage.StartAsync();
        var map = stage.Proxy.MapFile;
        var keys = Enumerable.Range(0, 20).Select(i => $"new-{i}.example").ToList();

        await Task.WhenAll(keys.SelectMany(key => Enumerable.Range(0, 4).Select(i => i % 2 == 0
            ? stage.Client.UpsertMapAsync(map, key, Stage.GreenBackend)
            : stage.Client.UpsertMapEntriesAsync(map, [KeyValuePair.Create(key, Stage.GreenBackend)]))));

        var shown = await stage.Client.ShowMapAsync(map);
        Assert.All(keys, key => Assert.Single(shown, s => s.Key == key));
    }

    /// <summary>
    /// A config that uses the routes map in hundreds of places (a maintenance page per service does) makes HAProxy 2.6
    /// leave the map out of <c>show map</c>'s list (its one line names every use and outgrows the buffer): registration
    /// and every spec check then said the map was not loaded. The probe answers whatever the listing.
    /// </summary>
    [Fact]
    public async Task IsMapLoaded_MapReadByHundredsOfBackends_LoadedThoughShowMapListsNothing()
    {
        var services = Enumerable.Range(0, 400).Select(i => new ServiceBackends
        {
            Name = $"svc{i}",
            Blue = [new BackendServer("s1", "127.0.0.1", 9)],
            Green = [new BackendServer("s1", "127.0.0.1", 9)],
        }).ToList();
        await using var proxy = await HaProxyInstance.StartAsync(services);

        // The rendered config reads the map in a few places only (the frontend, the preview rules, the shared maintenance
        // page), so show map lists it; a config that reads it in hundreds (as one maintenance page per service did) makes
        // HAProxy 2.6's listing leave it out. Such backends are added to the file, then a reload.
        var readers = new System.Text.StringBuilder();
        foreach (var i in Enumerable.Range(0, 400))
        {
            readers.Append(System.Globalization.CultureInfo.InvariantCulture, $"\nbackend svc{i}_page\n    http-request return status 503 content-type text/plain lf-string \"%[str(/m/svc{i}),map({proxy.MapFile},x)]\"\n");
        }

        await using (var before = proxy.CreateClient())
        {
            Assert.Contains(await before.ShowMapsAsync(), m => m.File == proxy.MapFile);
        }

        await File.AppendAllTextAsync(proxy.ConfigPath, readers.ToString());
        await proxy.ReloadAsync();
        await using var client = proxy.CreateClient();

        var listed = await client.ShowMapsAsync();

        Assert.DoesNotContain(listed, m => m.File == proxy.MapFile);
        Assert.True(await client.IsMapLoadedAsync(proxy.MapFile));
        Assert.False(await client.IsMapLoadedAsync(proxy.MapFile + ".other"));
    }

    [Fact]
    public async Task RouteMap_SetRoute_SurvivesHaProxyRestart()
    {
        await using var stage = await Stage.StartAsync();
        var routes = stage.Proxy.CreateRouteMap(stage.Client);
        var pidBefore = stage.Proxy.MasterPid;

        await routes.SetRouteAsync(Stage.Host, Stage.GreenBackend);
        await stage.Proxy.RestartAsync();

        Assert.NotEqual(pidBefore, stage.Proxy.MasterPid);
        Assert.Equal([new MapEntry(Stage.Host, Stage.GreenBackend)], await MapFile.ReadAsync(stage.Proxy.MapFile));
        // The same client object: its old connection died with the old process and it reconnects by itself.
        Assert.Equal(Stage.GreenBackend, await stage.Client.GetMapAsync(stage.Proxy.MapFile, Stage.Host));
        Assert.Equal(2, stage.Client.ConnectionsOpened);
        await stage.WaitUntilUpAsync(Stage.GreenBackend);
        Assert.Equal("green", (await stage.Http.GetAsync(Stage.Host)).Echo?.Colour);
    }

    [Fact]
    public async Task SetMapRuntimeOnly_LostOnRestart_WhichIsWhyTheMapFileIsWritten()
    {
        // The negative control of the test above: a runtime-only change does not survive.
        await using var stage = await Stage.StartAsync();

        await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);
        await stage.Proxy.RestartAsync();

        Assert.Equal(Stage.BlueBackend, await stage.Client.GetMapAsync(stage.Proxy.MapFile, Stage.Host));
    }

    [Fact]
    public async Task Reload_PersistentConnection_MovesToNewWorkerAndWriteReachesTraffic()
    {
        await using var stage = await Stage.StartAsync();
        var oldWorker = (await stage.Client.ShowInfoAsync()).Pid;

        var newWorker = await stage.Proxy.ReloadAsync();
        // Runtime-only write (the map file still says blue): only the live worker can make traffic go green.
        await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);

        Assert.NotEqual(oldWorker, newWorker);
        Assert.Equal(newWorker, stage.Client.LastInfo?.Pid);
        Assert.Equal(2, stage.Client.ConnectionsOpened);
        await stage.WaitUntilUpAsync(Stage.GreenBackend);
        Assert.Equal("green", (await stage.Http.GetAsync(Stage.Host)).Echo?.Colour);
    }

    [Fact]
    public async Task Reload_WithoutWorkerCheck_WriteIsLostOnOldWorker()
    {
        // The negative control: with verification off, the same write goes to the stopping worker and changes nothing.
        await using var stage = await Stage.StartAsync();
        await using var naive = stage.Proxy.CreateClient(new HaProxyRuntimeOptions { VerifyLiveWorker = false });
        await naive.GetMapAsync(stage.Proxy.MapFile, Stage.Host);

        await stage.Proxy.ReloadAsync();
        await naive.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);

        Assert.Equal(1, naive.ConnectionsOpened);
        await stage.WaitUntilUpAsync(Stage.BlueBackend);
        Assert.Equal("blue", (await stage.Http.GetAsync(Stage.Host)).Echo?.Colour);
        Assert.Equal(Stage.BlueBackend, await stage.Client.GetMapAsync(stage.Proxy.MapFile, Stage.Host));
    }

    [Fact]
    public async Task ShowInfo_AfterReload_ReportsLiveWorker()
    {
        await using var stage = await Stage.StartAsync();
        await stage.Client.ShowInfoAsync();

        var newWorker = await stage.Proxy.ReloadAsync();
        var info = await stage.Client.ShowInfoAsync();

        Assert.Equal(newWorker, info.Pid);
        Assert.False(info.Stopping);
    }

    [Fact]
    public async Task Injection_HostileKeys_RefusedAndHaProxyUntouched()
    {
        await using var stage = await Stage.StartAsync(blueDelay: TimeSpan.FromMilliseconds(1200));
        using var slowClient = new FrontendClient(stage.Proxy.FrontendUrl);
        var inFlight = slowClient.GetAsync(Stage.Host, "/long");
        await Eventually.UntilAsync(() => stage.ServerAsync(Stage.BlueBackend), r => r.CurrentSessions == 1, TimeSpan.FromSeconds(5), "1 session on blue");
        var mapBefore = await stage.Client.ShowMapAsync(stage.Proxy.MapFile);
        var statesBefore = await stage.Client.ShowServersStateAsync();

        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            stage.Client.SetMapAsync(stage.Proxy.MapFile, $"X; shutdown sessions server {Stage.BlueBackend}/s1", Stage.GreenBackend));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            stage.Client.SetMapAsync(stage.Proxy.MapFile, $"{Stage.Host}\nshutdown sessions server {Stage.BlueBackend}/s1", Stage.GreenBackend));
        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() =>
            stage.Proxy.CreateRouteMap(stage.Client).SetRouteAsync(Stage.Host, $"{Stage.GreenBackend};disable server {Stage.BlueBackend}/s1"));

        var reply = await inFlight;
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("blue", reply.Echo?.Colour);
        Assert.Equal(mapBefore, await stage.Client.ShowMapAsync(stage.Proxy.MapFile));
        Assert.Equal(statesBefore.Select(s => (s.Backend, s.Server, s.AdminState)), (await stage.Client.ShowServersStateAsync()).Select(s => (s.Backend, s.Server, s.AdminState)));
        Assert.Equal([new MapEntry(Stage.Host, Stage.BlueBackend)], await MapFile.ReadAsync(stage.Proxy.MapFile));
    }

    [Fact]
    public async Task Errors_FromRealHaProxy_AreTyped()
    {
        await using var stage = await Stage.StartAsync();
        var map = stage.Proxy.MapFile;

        var notFound = await Assert.ThrowsAsync<HaProxyEntryNotFoundException>(() => stage.Client.SetMapAsync(map, "absent.local", Stage.GreenBackend));
        Assert.Equal("entry not found.", notFound.Reply);
        await Assert.ThrowsAsync<HaProxyUnknownMapException>(() => stage.Client.SetMapAsync("/no/such.map", Stage.Host, Stage.GreenBackend));
        await Assert.ThrowsAsync<HaProxyUnknownBackendException>(() => stage.Client.ShowServersConnAsync("nope"));
        await Assert.ThrowsAsync<HaProxyUnknownBackendException>(() => stage.Client.SetServerStateAsync("nope", "s1", ServerAdminState.Drain));
        await Assert.ThrowsAsync<HaProxyUnknownServerException>(() => stage.Client.SetServerStateAsync(Stage.BlueBackend, "s9", ServerAdminState.Drain));
        await Assert.ThrowsAsync<HaProxyEntryNotFoundException>(() => stage.Client.DeleteMapAsync(map, "absent.local"));
        // The connection stays usable after errors.
        Assert.Equal(Stage.BlueBackend, await stage.Client.GetMapAsync(map, Stage.Host));
        Assert.Equal(1, stage.Client.ConnectionsOpened);
    }

    [Fact]
    public async Task MapEntries_AddUpsertDelete_RoundTrip()
    {
        await using var stage = await Stage.StartAsync();
        var map = stage.Proxy.MapFile;

        await stage.Client.UpsertMapAsync(map, "api.local", Stage.GreenBackend);
        await stage.Client.UpsertMapAsync(map, "api.local", Stage.BlueBackend);
        Assert.Equal(Stage.BlueBackend, await stage.Client.GetMapAsync(map, "api.local"));
        Assert.Equal(2, (await stage.Client.ShowMapAsync(map)).Count);
        Assert.Contains(await stage.Client.ShowMapsAsync(), m => m.File == map && m.EntryCount == 2);

        await stage.Client.DeleteMapAsync(map, "api.local");
        Assert.Null(await stage.Client.GetMapAsync(map, "api.local"));
    }

    [Fact]
    public async Task ReplaceMap_PrepareCommit_SwapsWholeMap()
    {
        await using var stage = await Stage.StartAsync();
        var routes = stage.Proxy.CreateRouteMap(stage.Client);
        var wanted = new Dictionary<string, string> { [Stage.Host] = Stage.GreenBackend, ["api.local"] = Stage.BlueBackend, ["www.local"] = Stage.GreenBackend };

        await routes.ReplaceAllAsync(wanted);

        Assert.Equal(wanted, await routes.ReadRuntimeAsync());
        Assert.Equal(wanted.Count, (await MapFile.ReadAsync(stage.Proxy.MapFile)).Count);
        Assert.Equal("green", (await stage.Http.GetAsync("www.local")).Echo?.Colour);
        Assert.Equal("blue", (await stage.Http.GetAsync("api.local")).Echo?.Colour);
    }

    [Fact]
    public async Task Servers_DrainMaintReadyAndWeight_ShowInServersState()
    {
        await using var stage = await Stage.StartAsync();

        await stage.Client.SetServerStateAsync(Stage.BlueBackend, "s1", ServerAdminState.Drain);
        var drained = Assert.Single(await stage.Client.ShowServersStateAsync(Stage.BlueBackend));
        Assert.True(drained.Draining);
        Assert.Equal("DRAIN", (await stage.ServerAsync(Stage.BlueBackend)).Status);

        await stage.Client.SetServerStateAsync(Stage.BlueBackend, "s1", ServerAdminState.Maint);
        Assert.True(Assert.Single(await stage.Client.ShowServersStateAsync(Stage.BlueBackend)).InMaintenance);

        await stage.Client.SetServerStateAsync(Stage.BlueBackend, "s1", ServerAdminState.Ready);
        await stage.Client.SetServerWeightAsync(Stage.BlueBackend, "s1", 7);
        var ready = Assert.Single(await stage.Client.ShowServersStateAsync(Stage.BlueBackend));
        Assert.False(ready.Draining || ready.InMaintenance);
        Assert.Equal(7, ready.UserWeight);
    }

    [Fact]
    public async Task DynamicServer_AddEnableServeDelete()
    {
        await using var stage = await Stage.StartAsync();
        await using var extra = await EchoInstance.StartAsync("green", "3");

        await stage.Client.AddServerAsync(Stage.GreenBackend, "s2", extra.Address, extra.Port, check: true);
        Assert.Equal("MAINT", (await stage.Client.ShowStatAsync()).Single(r => r.ProxyName == Stage.GreenBackend && r.ServiceName == "s2").Status);
        await stage.Client.EnableServerAsync(Stage.GreenBackend, "s2");
        await stage.Client.EnableHealthAsync(Stage.GreenBackend, "s2");
        await Eventually.UntilAsync(
            async () => (await stage.Client.ShowStatAsync()).Single(r => r.ProxyName == Stage.GreenBackend && r.ServiceName == "s2"),
            r => r.IsUp, TimeSpan.FromSeconds(5), "green/s2 UP");
        await stage.Client.SetServerStateAsync(Stage.GreenBackend, "s1", ServerAdminState.Maint);
        await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);
        Assert.Equal("3", (await stage.Http.GetAsync(Stage.Host)).Echo?.Version);

        await stage.Client.SetServerStateAsync(Stage.GreenBackend, "s1", ServerAdminState.Ready);
        await stage.Client.SetServerStateAsync(Stage.GreenBackend, "s2", ServerAdminState.Maint);
        await stage.Http.GetAsync(Stage.Host);
        await Eventually.UntilAsync(
            async () => Assert.Single(await stage.Client.ShowServersConnAsync(Stage.GreenBackend), r => r.Server == "s2").UsedCurrent, n => n == 0, TimeSpan.FromSeconds(10), "s2 idle");
        await stage.Client.DeleteServerAsync(Stage.GreenBackend, "s2");

        Assert.DoesNotContain(await stage.Client.ShowServersStateAsync(Stage.GreenBackend), s => s.Server == "s2");
        await Assert.ThrowsAsync<HaProxyUnknownServerException>(() => stage.Client.DeleteServerAsync(Stage.GreenBackend, "s2"));
    }

    [Fact]
    public async Task UnixSocket_Endpoint_Works()
    {
        await using var stage = await Stage.StartAsync(unixSocket: true);

        Assert.True(stage.Proxy.RuntimeApi.IsUnix);
        await stage.Client.SetMapAsync(stage.Proxy.MapFile, Stage.Host, Stage.GreenBackend);

        Assert.Equal("green", (await stage.Http.GetAsync(Stage.Host)).Echo?.Colour);
    }

    [Fact]
    public async Task Client_HaProxyStopped_ConnectionExceptionThenRecoversAfterRestart()
    {
        await using var stage = await Stage.StartAsync();
        await stage.Client.ShowInfoAsync();

        await stage.Proxy.StopAsync();
        var error = await Assert.ThrowsAsync<HaProxyConnectionException>(() => stage.Client.ShowInfoAsync());
        Assert.Contains(stage.Proxy.RuntimeApi.ToString(), error.Message, StringComparison.Ordinal);

        await stage.Proxy.RestartAsync();
        Assert.False((await stage.Client.ShowInfoAsync()).Stopping);
    }
}
