using System.Diagnostics;
using System.Globalization;
using System.Net;
using BlueGreen.Orleans.Instances.Tests.Support;
using BlueGreen.Orleans.Harness;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace BlueGreen.Orleans.Instances.Tests;

/// <summary>
/// Against the real dockerd of <see cref="DockerEngineFixture"/>. Containers use host networking and serve on
/// 127.0.0.x only, except the published-port test's, on the fixture's own bridge; every container a test creates is
/// force-removed when it ends, pass or fail.
/// </summary>
[Collection(DockerEngineCollectionDefinition.Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit calls IAsyncLifetime.DisposeAsync, which disposes the runtime.")]
public sealed class DockerInstanceRuntimeTests(DockerEngineFixture engine) : IAsyncLifetime
{
    private readonly List<string> _names = [];
    private DockerInstanceRuntime? _runtime;

    private DockerInstanceRuntime Runtime => _runtime!;

    public Task InitializeAsync()
    {
        // Host networking for the tests of lifecycle (the engine has no default bridge), allowed explicitly as a server would.
        _runtime = new DockerInstanceRuntime(new DockerRuntimeOptions { Endpoint = engine.Endpoint, StopTimeout = TimeSpan.FromSeconds(2), AllowHostNetwork = true });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        // Straight through Docker, not the runtime under test, so a broken runtime cannot leak containers.
        foreach (var name in _names)
        {
            try
            {
                await engine.Client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true });
            }
            catch (DockerContainerNotFoundException)
            {
            }
        }

        _runtime?.Dispose();
    }

    [Fact]
    public async Task StartAsync_HttpdContainer_AnswersOnLoopbackPort()
    {
        var port = Loopback.FreePort();

        var state = await Runtime.StartAsync(Httpd(NewName(), port, greeting: "hello from green"));

        Assert.True(state.Running);
        Assert.NotNull(state.Id);
        Assert.NotNull(state.StartedAt);
        var (status, body) = await LoopbackHttp.GetEventuallyAsync(port);
        Assert.Equal(HttpStatusCode.OK, status);
        // Written by the container's shell from its environment: Arguments and Environment both arrived.
        Assert.Equal("hello from green\n", body);
    }

    [Fact]
    public async Task StartAsync_SameNameTwice_NewContainerReplacesOld()
    {
        var name = NewName();
        var port = Loopback.FreePort();
        // Entrypoint override: Command replaces the image's ENTRYPOINT.
        var spec = new InstanceSpec
        {
            Name = name,
            Image = DockerEngineFixture.Image,
            HostNetwork = true,
            Command = "/bin/busybox",
            Arguments = ["httpd", "-f", "-p", $"127.0.0.1:{port}", "-h", "/etc"],
        };
        var first = await Runtime.StartAsync(spec);
        await LoopbackHttp.GetEventuallyAsync(port, "/hostname");

        // Same port: the new httpd can only bind because the old container is gone.
        var second = await Runtime.StartAsync(spec);

        Assert.NotEqual(first.Id, second.Id);
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => engine.Client.Containers.InspectContainerAsync(first.Id!));
        var (status, _) = await LoopbackHttp.GetEventuallyAsync(port, "/hostname");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([second.Id!], await ContainerIdsLabelledAsync(name));
    }

    [Fact]
    public async Task StopAsync_ProgramWithoutSigtermHandler_StopsWellBeforeTimeout()
    {
        // busybox sleep installs no handler; as PID 1 it would ignore SIGTERM and wait out the full 10 s.
        // docker-init (HostConfig.Init) is PID 1 instead and passes the signal on.
        var name = NewName();
        await Runtime.StartAsync(new InstanceSpec { HostNetwork = true, Name = name, Image = DockerEngineFixture.Image, Arguments = ["sleep", "300"] });

        var clock = Stopwatch.StartNew();
        await Runtime.StopAsync(name, TimeSpan.FromSeconds(10));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}");
        var state = await Runtime.InspectAsync(name);
        Assert.NotNull(state);
        Assert.False(state.Running);
        Assert.Equal(143, state.ExitCode);
    }

    [Fact]
    public async Task StopAsync_ContainerIgnoringSigterm_KilledAfterTimeout()
    {
        var name = NewName();
        await Runtime.StartAsync(new InstanceSpec
        {
            Name = name,
            Image = DockerEngineFixture.Image,
            HostNetwork = true,
            Arguments = ["sh", "-c", "trap '' TERM; while true; do /bin/busybox sleep 1; done"],
        });
        // Let the shell install its trap before the signal comes.
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        await Runtime.StopAsync(name, TimeSpan.FromSeconds(1));
        clock.Stop();

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        var state = await Runtime.InspectAsync(name);
        Assert.False(state!.Running);
        Assert.Equal(137, state.ExitCode);
    }

    [Fact]
    public async Task StopAsync_HttpdContainer_ClosesPortAndStopAgainIsNoError()
    {
        var name = NewName();
        var port = Loopback.FreePort();
        await Runtime.StartAsync(Httpd(name, port, greeting: "x"));
        await LoopbackHttp.GetEventuallyAsync(port);

        await Runtime.StopAsync(name, TimeSpan.FromSeconds(2));
        await Runtime.StopAsync(name, TimeSpan.FromSeconds(2));

        Assert.True(await LoopbackHttp.IsClosedAsync(port));
        Assert.False((await Runtime.InspectAsync(name))!.Running);
    }

    [Fact]
    public async Task RemoveAsync_RunningContainer_InspectReturnsNullAndContainerIsGone()
    {
        var name = NewName();
        var state = await Runtime.StartAsync(Httpd(name, Loopback.FreePort(), greeting: "x"));

        await Runtime.RemoveAsync(name);

        Assert.Null(await Runtime.InspectAsync(name));
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => engine.Client.Containers.InspectContainerAsync(state.Id!));
    }

    [Fact]
    public async Task StopAndRemove_AbsentContainer_NoError()
    {
        var name = NewName();

        await Runtime.StopAsync(name, TimeSpan.FromSeconds(1));
        await Runtime.RemoveAsync(name);

        Assert.Null(await Runtime.InspectAsync(name));
    }

    [Fact]
    public async Task StartAsync_WithLabels_ContainerCarriesThemAndTheInstanceLabel()
    {
        var name = NewName();
        var spec = Httpd(name, Loopback.FreePort(), greeting: "x") with
        {
            Labels = new Dictionary<string, string> { ["bluegreen.service"] = "web", ["bluegreen.colour"] = "green" },
        };

        var state = await Runtime.StartAsync(spec);

        var container = await engine.Client.Containers.InspectContainerAsync(state.Id!);
        Assert.Equal("web", container.Config.Labels["bluegreen.service"]);
        Assert.Equal("green", container.Config.Labels["bluegreen.colour"]);
        Assert.Equal(name, container.Config.Labels[DockerInstanceRuntime.InstanceLabel]);
        Assert.True(container.HostConfig.Init);
        Assert.Equal("host", container.HostConfig.NetworkMode);
        Assert.Contains("GREETING=x", container.Config.Env);
    }

    [Fact]
    public async Task StartAsync_UnknownImage_ThrowsNamingImageAndCreatesNothing()
    {
        var name = NewName();
        var spec = new InstanceSpec { HostNetwork = true, Name = name, Image = "bluegreen-test/does-not-exist:7" };

        var error = await Assert.ThrowsAsync<InstanceImageNotFoundException>(() => Runtime.StartAsync(spec));

        Assert.Equal("bluegreen-test/does-not-exist:7", error.Image);
        Assert.Contains("bluegreen-test/does-not-exist:7", error.Message, StringComparison.Ordinal);
        Assert.Null(await Runtime.InspectAsync(name));
    }

    [Fact]
    public async Task AllMethods_NameThatIsAnIdPrefixOfAnotherContainer_LeaveThatContainerAlone()
    {
        // Docker resolves an unknown name as an id prefix; the runtime must not take someone else's container for it.
        var other = await Runtime.StartAsync(new InstanceSpec { HostNetwork = true, Name = NewName(), Image = DockerEngineFixture.Image, Arguments = ["sleep", "300"] });
        var prefix = other.Id![..12];

        var state = await Runtime.InspectAsync(prefix);
        await Runtime.StopAsync(prefix, TimeSpan.FromSeconds(1));
        await Runtime.RemoveAsync(prefix);

        Assert.Null(state);
        var container = await engine.Client.Containers.InspectContainerAsync(other.Id);
        Assert.True(container.State.Running);
    }

    [Fact]
    public async Task StartAsync_WithoutHostNetwork_PublishesContainerPortOnInstanceAddressOnly()
    {
        var network = await engine.BridgeNetworkAsync();
        using var runtime = new DockerInstanceRuntime(new DockerRuntimeOptions { Endpoint = engine.Endpoint, StopTimeout = TimeSpan.FromSeconds(2), Network = network });
        var address = Loopback.NextAddress();
        var port = Loopback.FreePort(address);
        var name = NewName();

        // The default: no host networking. httpd listens on 8080 of the container's own network, never on the host's.
        var state = await runtime.StartAsync(new InstanceSpec
        {
            Name = name,
            Image = DockerEngineFixture.Image,
            Arguments = ["sh", "-c", "/bin/busybox mkdir -p /www && echo published > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www"],
            Address = address,
            Port = port,
            ContainerPort = 8080,
        });

        Assert.True(state.Running);
        var (status, body) = await LoopbackHttp.GetEventuallyAsync(port, address: address);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("published\n", body);
        var container = await engine.Client.Containers.InspectContainerAsync(name);
        Assert.Equal(network, container.HostConfig.NetworkMode);
        var binding = Assert.Single(container.HostConfig.PortBindings["8080/tcp"]);
        Assert.Equal((address, port.ToString(CultureInfo.InvariantCulture)), (binding.HostIP, binding.HostPort));
        // Published on the instance's address alone, not on 127.0.0.1.
        Assert.True(await LoopbackHttp.IsClosedAsync(port));
    }

    [Fact]
    public async Task StartAsync_HostNetworkNotAllowed_RefusedAndNothingCreated()
    {
        using var runtime = new DockerInstanceRuntime(new DockerRuntimeOptions { Endpoint = engine.Endpoint });
        var name = NewName();

        var error = await Assert.ThrowsAsync<InstanceRuntimeException>(() => runtime.StartAsync(
            new InstanceSpec { Name = name, Image = DockerEngineFixture.Image, HostNetwork = true, Arguments = ["sleep", "300"] }));

        Assert.Contains("host networking", error.Message, StringComparison.Ordinal);
        Assert.Null(await runtime.InspectAsync(name));
    }

    private string NewName()
    {
        var name = "bgt-" + Guid.NewGuid().ToString("N")[..12];
        _names.Add(name);
        return name;
    }

    /// <summary>busybox httpd serving a page the container's shell writes from $GREETING.</summary>
    private static InstanceSpec Httpd(string name, int port, string greeting) => new()
    {
        Name = name,
        Image = DockerEngineFixture.Image,
        HostNetwork = true,
        Arguments =
        [
            "sh", "-c",
            "/bin/busybox mkdir -p /www && echo \"$GREETING\" > /www/index.html && "
                + $"exec /bin/busybox httpd -f -p 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} -h /www",
        ],
        Environment = new Dictionary<string, string> { ["GREETING"] = greeting },
        Port = port,
    };

    private async Task<IReadOnlyList<string>> ContainerIdsLabelledAsync(string name)
    {
        var containers = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{DockerInstanceRuntime.InstanceLabel}={name}"] = true },
            },
        });
        return [.. containers.Select(container => container.ID)];
    }
}
