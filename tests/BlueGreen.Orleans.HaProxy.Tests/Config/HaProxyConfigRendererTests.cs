using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

public sealed class HaProxyConfigRendererTests : IDisposable
{
    private readonly TempFolder _folder = new("render");

    public void Dispose() => _folder.Dispose();

    private HaProxyConfig Sample(string runtimeApi = "tcp://127.0.0.1:9000") => new()
    {
        Name = "edge-1",
        Frontend = new ListenAddress("127.0.0.1", 8080),
        RuntimeApi = runtimeApi,
        StatsPage = new ListenAddress("127.0.0.1", 8404),
        MapFile = _folder.File("hosts.map"),
        Services =
        [
            new ServiceBackends
            {
                Name = "web",
                Blue = [new BackendServer("b1", "127.0.0.1", 3000), new BackendServer("b2", "127.0.0.1", 3001)],
                Green = [new BackendServer("g1", "127.0.0.1", 4000)],
            },
            new ServiceBackends { Name = "billing", Check = new HealthCheck { Path = "/ready", Interval = TimeSpan.FromSeconds(2), Rise = 3, Fall = 3 } },
        ],
    };

    [Theory]
    [InlineData("tcp://127.0.0.1:9000")]
    [InlineData("unix:///tmp/bg-render-admin.sock")]
    public async Task Render_Sample_PassesHaProxyCheck(string runtimeApi)
    {
        var config = Sample(runtimeApi);
        await File.WriteAllTextAsync(config.MapFile, "web.local web_blue\n");
        var path = _folder.File("haproxy.cfg");
        await File.WriteAllTextAsync(path, HaProxyConfigRenderer.Render(config));

        await LocalHaProxy.CheckConfigAsync(path);
    }

    [Fact]
    public async Task CheckConfig_BrokenConfig_ThrowsWithHaProxyOutput()
    {
        var path = _folder.File("broken.cfg");
        await File.WriteAllTextAsync(path, HaProxyConfigRenderer.Render(Sample()) + "backend x\n    nonsense-directive 1\n");
        await File.WriteAllTextAsync(Sample().MapFile, string.Empty);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LocalHaProxy.CheckConfigAsync(path));

        Assert.Contains("nonsense-directive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Sample_MapRoutedFrontendAndOneBackendPerColour()
    {
        var cfg = HaProxyConfigRenderer.Render(Sample());

        Assert.Contains($"use_backend %[var(txn.route),map({_folder.File("hosts.map")},no_route)]", cfg, StringComparison.Ordinal);
        Assert.Contains("stats socket ipv4@127.0.0.1:9000 level admin", cfg, StringComparison.Ordinal);
        foreach (var backend in new[] { "web_blue", "web_green", "billing_blue", "billing_green", "no_route" })
        {
            Assert.Contains($"backend {backend}\n", cfg, StringComparison.Ordinal);
        }

        Assert.Contains("    server b2 127.0.0.1:3001\n", cfg, StringComparison.Ordinal);
        Assert.Contains("default-server check inter 1000ms fastinter 100ms downinter 200ms rise 2 fall 2", cfg, StringComparison.Ordinal);
        Assert.Contains("    timeout check 2000ms\n", cfg, StringComparison.Ordinal);
        Assert.Contains("http-check send meth GET uri /ready", cfg, StringComparison.Ordinal);
        Assert.Contains("inter 2000ms fastinter 100ms downinter 200ms rise 3 fall 3", cfg, StringComparison.Ordinal);
        Assert.DoesNotContain("retries 1000", cfg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unix:///tmp/bg-render-master.sock", "/tmp/bg-render-master.sock,mode,600,level,user")]
    [InlineData("tcp://127.0.0.1:9979", "ipv4@127.0.0.1:9979,level,user")]
    public async Task Render_MasterApi_MasterWorkerAndTheStartCommandInTheConfig(string masterApi, string argument)
    {
        var config = Sample() with { MasterApi = masterApi };
        await File.WriteAllTextAsync(config.MapFile, "web.local web_blue\n");
        var path = _folder.File("haproxy.cfg");
        var cfg = HaProxyConfigRenderer.Render(config);
        await File.WriteAllTextAsync(path, cfg);

        Assert.Equal(argument, HaProxyConfigRenderer.MasterSocketArgument(config));
        Assert.Contains($"# Start with the master CLI the orchestrator reads old workers through: haproxy -W -S {argument} -f <this file>\n", cfg, StringComparison.Ordinal);
        Assert.Contains("global\n    master-worker\n", cfg, StringComparison.Ordinal);
        await LocalHaProxy.CheckConfigAsync(path);
    }

    [Fact]
    public void MasterSocketArgument_WithTheRuntimeApiGroup_OpenToThatGroupAtLevelUser()
    {
        var config = Sample() with { RuntimeApi = "unix:///run/haproxy/admin.sock", MasterApi = "unix:///run/haproxy/master.sock", RuntimeApiGroup = "haproxy" };

        Assert.Equal("/run/haproxy/master.sock,mode,660,group,haproxy,level,user", HaProxyConfigRenderer.MasterSocketArgument(config));
        Assert.Contains("haproxy -W -S /run/haproxy/master.sock,mode,660,group,haproxy,level,user -f <this file>", HaProxyConfigRenderer.Render(config), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("haproxy,level,admin")]
    [InlineData("Haproxy")]
    [InlineData("")]
    public void MasterSocketArgument_GroupNotAName_Refused(string group) =>
        Assert.Throws<ArgumentException>(() => HaProxyConfigRenderer.MasterSocketArgument(RuntimeEndpoint.Parse("unix:///run/haproxy/master.sock"), group));

    [Fact]
    public void Render_NoMasterApi_MasterWorkerButNoStartComment()
    {
        var cfg = HaProxyConfigRenderer.Render(Sample());

        Assert.Null(HaProxyConfigRenderer.MasterSocketArgument(Sample()));
        Assert.Contains("    master-worker\n", cfg, StringComparison.Ordinal);
        Assert.DoesNotContain("-S ", cfg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp://localhost:9979", "HAProxy binds an IP address")]
    [InlineData("unix:///tmp/master sock", "outside A-Z")]
    [InlineData("ftp://127.0.0.1:1", "is not a runtime endpoint")]
    [InlineData("tcp://127.0.0.1:9000", "its own socket")]
    public void Validate_BadMasterApi_NamesTheField(string masterApi, string rule)
    {
        var error = Assert.Single(HaProxyConfigValidator.Validate(Sample() with { MasterApi = masterApi }));

        Assert.StartsWith("MasterApi", error, StringComparison.Ordinal);
        Assert.Contains(rule, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("haproxy;x", "unix:///tmp/bg-render-admin.sock", "must be a group name")]
    [InlineData("haproxy\nlevel", "unix:///tmp/bg-render-admin.sock", "must be a group name")]
    [InlineData("Haproxy", "unix:///tmp/bg-render-admin.sock", "must be a group name")]
    [InlineData("", "unix:///tmp/bg-render-admin.sock", "must be a group name")]
    [InlineData("haproxy", "tcp://127.0.0.1:9000", "only to a unix socket")]
    public void Validate_BadRuntimeApiGroup_NamesTheField(string group, string runtimeApi, string rule)
    {
        var error = Assert.Single(HaProxyConfigValidator.Validate(Sample(runtimeApi) with { RuntimeApiGroup = group }));

        Assert.StartsWith("RuntimeApiGroup", error, StringComparison.Ordinal);
        Assert.Contains(rule, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public async Task Render_UserAndGroup_WorkersDropToThemAndHaProxyAcceptsIt()
    {
        var config = Sample() with { User = "haproxy", Group = "haproxy" };
        await File.WriteAllTextAsync(config.MapFile, "web.local web_blue\n");
        var path = _folder.File("haproxy.cfg");
        var cfg = HaProxyConfigRenderer.Render(config);
        await File.WriteAllTextAsync(path, cfg);

        Assert.Contains("global\n    master-worker\n    user haproxy\n    group haproxy\n", cfg, StringComparison.Ordinal);
        Assert.DoesNotContain("    user ", HaProxyConfigRenderer.Render(Sample()), StringComparison.Ordinal);
        await LocalHaProxy.CheckConfigAsync(path);
    }

    [Fact]
    public async Task Render_Chroot_WorkersJailedThereAndHaProxyAcceptsIt()
    {
        var jail = _folder.File("jail");
        Directory.CreateDirectory(jail);
        var config = Sample() with { User = "haproxy", Group = "haproxy", Chroot = jail };
        await File.WriteAllTextAsync(config.MapFile, "web.local web_blue\n");
        var path = _folder.File("haproxy.cfg");
        var cfg = HaProxyConfigRenderer.Render(config);
        await File.WriteAllTextAsync(path, cfg);

        Assert.Contains($"    group haproxy\n    chroot {jail}\n", cfg, StringComparison.Ordinal);
        Assert.DoesNotContain("chroot", HaProxyConfigRenderer.Render(Sample()), StringComparison.Ordinal);
        await LocalHaProxy.CheckConfigAsync(path);
    }

    [Theory]
    [InlineData("var/lib/haproxy")]
    [InlineData("#12")]
    [InlineData("/var/lib/../../etc")]
    [InlineData("/var/lib/./haproxy")]
    [InlineData("/var/lib/haproxy\n    stats socket ipv4@0.0.0.0:9999 level admin")]
    [InlineData("/var/lib/ha proxy")]
    [InlineData("")]
    public void Validate_BadChroot_NamesTheField(string jail)
    {
        var error = Assert.Single(HaProxyConfigValidator.Validate(Sample() with { Chroot = jail }));

        Assert.StartsWith("Chroot '", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("haproxy\n    chroot /", null, "User")]
    [InlineData("root;x", null, "User")]
    [InlineData("", null, "User")]
    [InlineData(null, "Haproxy", "Group")]
    [InlineData(null, "haproxy group", "Group")]
    public void Validate_BadUserOrGroup_NamesTheField(string? user, string? group, string field)
    {
        var error = Assert.Single(HaProxyConfigValidator.Validate(Sample() with { User = user, Group = group }));

        Assert.StartsWith($"{field} '", error, StringComparison.Ordinal);
        Assert.Contains("name: 1-32 characters", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Render_RuntimeApiGroup_SocketOpenToThatGroup()
    {
        var cfg = HaProxyConfigRenderer.Render(Sample("unix:///tmp/bg-render-admin.sock") with { RuntimeApiGroup = "haproxy" });

        Assert.Contains("    stats socket /tmp/bg-render-admin.sock mode 660 group haproxy level admin expose-fd listeners\n", cfg, StringComparison.Ordinal);
        Assert.Contains("mode 600", HaProxyConfigRenderer.Render(Sample("unix:///tmp/bg-render-admin.sock")), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Sample_NoErrors() => Assert.Empty(HaProxyConfigValidator.Validate(Sample()));

    [Fact]
    public void Render_InvalidConfig_ThrowsListingEveryError()
    {
        var config = Sample() with
        {
            Name = "edge 1",
            Frontend = new ListenAddress("localhost", 0),
            RuntimeApi = "tcp://127.0.0.1",
            MapFile = "hosts.map",
            Services =
            [
                new ServiceBackends { Name = "Web;x", Blue = [new BackendServer("b1", "127.0.0.1", 1), new BackendServer("b1", "127.0.0.1", 2)] },
                new ServiceBackends { Name = "api", Green = [new BackendServer("g/1", "127.0.0.1;", 70000)], Check = new HealthCheck { Path = "/x y", Rise = 0, Interval = TimeSpan.Zero, Timeout = TimeSpan.FromDays(2) } },
                new ServiceBackends { Name = "api" },
            ],
        };

        var errors = HaProxyConfigValidator.Validate(config);
        var thrown = Assert.Throws<ArgumentException>(() => HaProxyConfigRenderer.Render(config));

        Assert.Equal(15, errors.Count);
        Assert.All(errors, e => Assert.Contains(e, thrown.Message, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Services[Web;x]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("listed twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("used twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Rise 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Check.Timeout 2.00:00:00 must be between", StringComparison.Ordinal));
    }
}
