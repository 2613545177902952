using System.Globalization;
using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// What an admin token can do is what the server's configuration allows, through the real server and gRPC: each
/// refusal is INVALID_ARGUMENT (ALREADY_EXISTS for a taken route key) naming the field and the rule, and leaves nothing
/// saved, started, written or routed.
/// </summary>
public sealed class AdminPowersTests(AdminPowersFixture fixture) : IClassFixture<AdminPowersFixture>
{
    private V1.Services.ServicesClient Services(GrpcChannel? channel = null) => new(channel ?? fixture.Channel);

    private V1.Proxies.ProxiesClient Proxies => new(fixture.Channel);

    private V1.Deployments.DeploymentsClient Deployments => new(fixture.Channel);

    [Fact]
    public async Task ApplyService_ProcessRuntimeNotEnabled_RefusedNamingRuntimeAndNothingSavedOrStarted()
    {
        var spec = ProcessSpec("alpha", "alpha.local");

        var error = await Assert.ThrowsAsync<RpcException>(() => Services(fixture.ProcessOffChannel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, AdminPowersFixture.Admin).ResponseAsync);

        AttackLog.Record("admin token, runtimes", "apply a process-runtime spec on a server where the process runtime is off", $"{error.StatusCode}: {error.Status.Detail}", error.StatusCode == StatusCode.InvalidArgument);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("blue.runtime: the process runtime is not enabled", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:Runtimes:Process:Enabled", error.Status.Detail, StringComparison.Ordinal);
        await AssertNothingOfAsync("alpha", "alpha.local", fixture.ProcessOffChannel, Path.Combine(fixture.ProcessOff.DataDirectory, "instances"));
    }

    [Fact]
    public async Task ApplyService_CommandNotOnTheAllowList_RefusedNamingCommandAndNothingSavedOrRun()
    {
        var marker = Path.Combine(fixture.Outside, "shell-ran");
        var spec = ProcessSpec("beta", "beta.local");
        spec.Blue.Command = "/bin/sh";
        spec.Blue.Arguments.Clear();
        spec.Blue.Arguments.AddRange(["-c", $"touch {marker}; exec sleep 60"]);

        var error = await Assert.ThrowsAsync<RpcException>(() => Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, AdminPowersFixture.Admin).ResponseAsync);

        AttackLog.Record("admin token, runtimes", "apply a spec whose command is /bin/sh -c 'touch …' (not on AllowedCommands)", $"{error.StatusCode}: {error.Status.Detail}; the shell never ran: {!File.Exists(marker)}", error.StatusCode == StatusCode.InvalidArgument && !File.Exists(marker));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("blue.command: '/bin/sh' is not one of BlueGreen:Runtimes:Process:AllowedCommands", error.Status.Detail, StringComparison.Ordinal);
        await AssertNothingOfAsync("beta", "beta.local");
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task RegisterProxy_MapPathOutsideTheMapsRoot_RefusedNamingTheFieldAndNothingRegisteredOrWritten()
    {
        // Through a symlink in the root that leads out of it, and plainly outside.
        File.CreateSymbolicLink(Path.Combine(fixture.Maps, "escape"), fixture.Outside);
        var cases = new[]
        {
            ("edge-link", Path.Combine(fixture.Maps, "escape", "hosts.map"), "map_file_write_path"),
            ("edge-out", Path.Combine(fixture.Outside, "hosts.map"), "map_file_write_path"),
            ("edge-etc", null, "map_file"),
        };

        foreach (var (id, write, field) in cases)
        {
            var request = new V1.RegisterProxyRequest
            {
                Id = id,
                RuntimeApi = fixture.Proxy.RuntimeApi.ToString(),
                MapFile = write is null ? "/etc/haproxy/haproxy.cfg" : fixture.Proxy.MapFile,
                MapFileWritePath = write ?? string.Empty,
            };

            var error = await Assert.ThrowsAsync<RpcException>(() => Proxies.RegisterProxyAsync(request, AdminPowersFixture.Admin).ResponseAsync);

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith($"{field}: '", error.Status.Detail, StringComparison.Ordinal);
            AttackLog.Record("admin token, map files", $"register a proxy whose {field} is {(write is null ? "/etc/haproxy/haproxy.cfg" : id == "edge-link" ? "a symlink out of the maps root" : "outside the maps root")}", $"{error.StatusCode}: {error.Status.Detail}", error.StatusCode == StatusCode.InvalidArgument);
            Assert.Contains($"must lie (symlinks followed) in BlueGreen:Proxies:MapsRoot ({fixture.Maps})", error.Status.Detail, StringComparison.Ordinal);
            await AssertNotRegisteredAsync(id);
        }

        Assert.Empty(Directory.GetFileSystemEntries(fixture.Outside));
    }

    [Fact]
    public async Task RegisterProxy_RuntimeApiNotAllowed_RefusedNamingTheFieldAndNothingRegistered()
    {
        // Loopback, but not the one address this server may reach; and a socket outside its socket folder.
        var cases = new[]
        {
            ("edge-tcp", $"tcp://127.0.0.1:{Loopback.FreePort()}", $"BlueGreen:Proxies:RuntimeApiNetworks ({fixture.Proxy.RuntimeApi.Host}/32)"),
            ("edge-unix", $"unix://{fixture.Outside}/admin.sock", $"BlueGreen:Proxies:RuntimeApiSocketDirectories ({fixture.Sockets})"),
        };

        foreach (var (id, api, rule) in cases)
        {
            var request = new V1.RegisterProxyRequest { Id = id, RuntimeApi = api, MapFile = fixture.Proxy.MapFile, MapFileWritePath = Path.Combine(fixture.Maps, $"{id}.map") };

            var error = await Assert.ThrowsAsync<RpcException>(() => Proxies.RegisterProxyAsync(request, AdminPowersFixture.Admin).ResponseAsync);

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith($"runtime_api: '{api}' is not allowed", error.Status.Detail, StringComparison.Ordinal);
            AttackLog.Record("admin token, Runtime API endpoints", $"register a proxy at {(api.StartsWith("unix", StringComparison.Ordinal) ? "a unix socket outside the allowed folders" : "a tcp address outside the allowed networks")}", $"{error.StatusCode}: {error.Status.Detail}", error.StatusCode == StatusCode.InvalidArgument);
            Assert.Contains(rule, error.Status.Detail, StringComparison.Ordinal);
            await AssertNotRegisteredAsync(id);
        }
    }

    [Fact]
    public async Task ApplyService_RouteKeyOfAnotherService_AlreadyExistsNamingItAndNothingSavedOrRouted()
    {
        await Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = ExternalSpec("alpha", "shared.local") }, AdminPowersFixture.Admin);
        try
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = ExternalSpec("beta", "shared.local") }, AdminPowersFixture.Admin).ResponseAsync);

            AttackLog.Record("admin token, route keys", "apply a second service with the route key of another (take over its traffic)", $"{error.StatusCode}: {error.Status.Detail}", error.StatusCode == StatusCode.AlreadyExists);

            Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
            Assert.StartsWith("route_key: 'shared.local' is the route key of service 'alpha'", error.Status.Detail, StringComparison.Ordinal);
            await AssertServiceAbsentAsync("beta", fixture.Channel);
            Assert.Equal("alpha_blue", await MapValueAsync("shared.local"));

            // A key is given up with a change of key: then another service may take it.
            await Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = ExternalSpec("alpha", "alpha-moved.local") }, AdminPowersFixture.Admin);
            await Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = ExternalSpec("beta", "shared.local") }, AdminPowersFixture.Admin);
            Assert.Equal("beta_blue", await MapValueAsync("shared.local"));

            // ... and with the service: alpha's old key is free again once alpha is deleted.
            await Services().DeleteServiceAsync(new V1.DeleteServiceRequest { Name = "beta" }, AdminPowersFixture.Admin);
            await Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = ExternalSpec("alpha", "shared.local") }, AdminPowersFixture.Admin);
        }
        finally
        {
            foreach (var name in new[] { "alpha", "beta" })
            {
                try
                {
                    await Services().DeleteServiceAsync(new V1.DeleteServiceRequest { Name = name }, AdminPowersFixture.Admin);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                }
            }
        }
    }

    [Fact]
    public async Task Release_ServerRunsAsRootWithSecretsInItsEnvironment_InstanceRunsAsNobodyWithOnlyItsOwnEnvironment()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the tests run as root, as the server in deploy/server/Dockerfile does");
        var spec = ProcessSpec("gamma", "gamma.local");
        spec.Green.Environment["MODE"] = "e2e";
        await Services().ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, AdminPowersFixture.Admin);
        try
        {
            var started = await Deployments.ReleaseAsync(new V1.ReleaseRequest { Service = "gamma", Version = "2" }, AdminPowersFixture.Admin);
            var done = await Eventually.UntilAsync(
                () => Deployments.GetDeploymentAsync(new V1.GetDeploymentRequest { Service = "gamma", Id = started.Id }, AdminPowersFixture.Admin).ResponseAsync,
                d => d.Outcome != V1.DeploymentOutcome.Running,
                TimeSpan.FromSeconds(60),
                "the release of gamma 2");
            Assert.True(done.Outcome == V1.DeploymentOutcome.Succeeded, $"{done.Outcome}: {done.Error}\n{fixture.Server.Output}");

            var instance = await fixture.Runtime.InspectAsync("gamma-green-s1");
            var pid = int.Parse(instance!.Id!, CultureInfo.InvariantCulture);
            var environment = ReadEnvironment(pid);
            var leaked = AdminPowersFixture.ServerSecrets.Where(secret => environment.ContainsKey(secret.Key) || environment.Values.Any(v => v.Contains(secret.Value, StringComparison.Ordinal))).ToList();
            AttackLog.Record("instances", "a root server with a token, a Redis password and a certificate password in its environment releases a process colour", $"instance's /proc/<pid>/environ holds {leaked.Count} of {AdminPowersFixture.ServerSecrets.Count} secrets; it runs as {File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal))}", leaked.Count == 0);
            foreach (var (key, value) in AdminPowersFixture.ServerSecrets)
            {
                Assert.DoesNotContain(key, environment.Keys);
                Assert.DoesNotContain(environment.Values, v => v.Contains(value, StringComparison.Ordinal));
            }

            Assert.Equal("e2e", environment["MODE"]);
            Assert.Equal("2", environment["VERSION"]);
            Assert.Equal(ProcessInstanceRuntime.DefaultPath, environment["PATH"]);
            var nobody = UserAccount.Find("nobody")!;
            var uid = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            Assert.Equal($"Uid:\t{nobody.Uid}\t{nobody.Uid}\t{nobody.Uid}\t{nobody.Uid}", uid);
        }
        finally
        {
            await fixture.Runtime.RemoveAsync("gamma-green-s1");
        }
    }

    [Fact]
    public async Task Start_InvalidPowersSettings_ExitsListingEveryProblem()
    {
        using var folder = new TempFolder("powers-bad");
        await using var server = new ServerProcess(
            folder.File("data"),
            extraArguments:
            [
                "--BlueGreen:Runtimes:Process:AllowedCommands:0", "dotnet",
                "--BlueGreen:Runtimes:Process:RunAsUser", "root",
                "--BlueGreen:Proxies:MapsRoot", "maps",
                "--BlueGreen:Proxies:RuntimeApiNetworks:0", "loopback",
            ]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);

        Assert.Contains("BlueGreen:Runtimes:Process:AllowedCommands: 'dotnet' must be an absolute path", error.Message, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:Runtimes:Process:RunAsUser 'root' is root", error.Message, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:Proxies:MapsRoot 'maps' must be an absolute path", error.Message, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:Proxies:RuntimeApiNetworks: 'loopback' is not a network", error.Message, StringComparison.Ordinal);
    }

    private V1.ServiceSpec ProcessSpec(string name, string routeKey)
    {
        var spec = ExternalSpec(name, routeKey);
        foreach (var colour in new[] { spec.Blue, spec.Green })
        {
            colour.Runtime = "process";
            colour.Command = EchoInstance.Dotnet;
            colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        }

        return spec;
    }

    private V1.ServiceSpec ExternalSpec(string name, string routeKey)
    {
        var spec = new V1.ServiceSpec
        {
            Name = name,
            RouteKey = routeKey,
            Blue = new V1.ColourSpec { Runtime = "external" },
            Green = new V1.ColourSpec { Runtime = "external" },
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
            StopTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
        };
        spec.Proxies.Add(AdminPowersFixture.ProxyId);
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[name].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[name].Green });
        return spec;
    }

    /// <summary>Not saved, no instance files, no route on the haproxy.</summary>
    private async Task AssertNothingOfAsync(string service, string routeKey, GrpcChannel? channel = null, string? instances = null)
    {
        await AssertServiceAbsentAsync(service, channel ?? fixture.Channel);
        var folder = instances ?? Path.Combine(fixture.ServerData, "instances");
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder, $"{service}-*") : []);
        Assert.Null(await MapValueAsync(routeKey));
    }

    private async Task AssertServiceAbsentAsync(string service, GrpcChannel channel)
    {
        var get = await Assert.ThrowsAsync<RpcException>(() => Services(channel).GetServiceAsync(new V1.GetServiceRequest { Name = service }, AdminPowersFixture.Admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
    }

    private async Task AssertNotRegisteredAsync(string id)
    {
        var get = await Assert.ThrowsAsync<RpcException>(() => Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = id }, AdminPowersFixture.Admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        var list = await Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), AdminPowersFixture.Admin);
        Assert.DoesNotContain(list.Proxies, p => p.Id == id);
    }

    private async Task<string?> MapValueAsync(string key)
    {
        await using var client = fixture.Proxy.CreateClient();
        return await client.GetMapAsync(fixture.Proxy.MapFile, key);
    }

    private static Dictionary<string, string> ReadEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty, StringComparer.Ordinal);
}
