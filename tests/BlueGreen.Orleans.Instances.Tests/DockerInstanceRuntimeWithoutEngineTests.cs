using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Instances.Tests;

/// <summary>Behaviour that needs no engine: argument checks come first, and an absent engine is named in the error.</summary>
public sealed class DockerInstanceRuntimeWithoutEngineTests : IDisposable
{
    // Any I/O against this endpoint fails with InstanceRuntimeException, so an ArgumentException proves none was tried.
    private readonly DockerInstanceRuntime _runtime = new(new DockerRuntimeOptions { Endpoint = "unix:///nonexistent/bluegreen/docker.sock" });

    public void Dispose() => _runtime.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("/etc")]
    [InlineData("-x")]
    [InlineData("a b")]
    public async Task AllMethods_InvalidName_ThrowArgumentExceptionBeforeAnyIo(string name)
    {
        var start = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StartAsync(new InstanceSpec { Name = name, Image = "busybox" }));
        var stop = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StopAsync(name, TimeSpan.FromSeconds(1)));
        var remove = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.RemoveAsync(name));
        var inspect = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.InspectAsync(name));

        Assert.Equal("spec.Name", start.ParamName);
        Assert.All([stop, remove, inspect], error => Assert.Equal("name", error.ParamName));
    }

    [Fact]
    public async Task StartAsync_NoImage_ThrowsNamingTheField()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StartAsync(new InstanceSpec { Name = "web" }));

        Assert.Equal("spec.Image", error.ParamName);
    }

    [Fact]
    public async Task StartAsync_PublishedWithoutHostPort_ThrowsNamingTheField()
    {
        var spec = new InstanceSpec { Name = "web", Image = "busybox", ContainerPort = 8080 };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StartAsync(spec));

        Assert.Equal("spec.Port", error.ParamName);
    }

    [Fact]
    public async Task StartAsync_ContainerPortOutOfRange_ThrowsNamingTheField()
    {
        var spec = new InstanceSpec { Name = "web", Image = "busybox", Port = 8080, ContainerPort = 70_000 };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StartAsync(spec));

        Assert.Equal("spec.ContainerPort", error.ParamName);
    }

    [Fact]
    public async Task StartAsync_HostNetworkNotAllowed_ThrowsBeforeAnyIo()
    {
        var spec = new InstanceSpec { Name = "web", Image = "busybox", HostNetwork = true };

        var error = await Assert.ThrowsAsync<InstanceRuntimeException>(() => _runtime.StartAsync(spec));

        // An I/O attempt would have failed naming the (absent) engine instead.
        Assert.Contains("host networking", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nonexistent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_SocketMissing_ThrowsNamingEndpoint()
    {
        var error = await Assert.ThrowsAsync<InstanceRuntimeException>(() => _runtime.InspectAsync("web"));

        Assert.Contains("unix:///nonexistent/bluegreen/docker.sock", error.Message, StringComparison.Ordinal);
        Assert.Equal("web", error.Instance);
    }

    [Fact]
    public async Task InspectAsync_TcpPortRefused_ThrowsNamingEndpoint()
    {
        var endpoint = $"tcp://127.0.0.1:{Loopback.FreePort()}";
        using var runtime = new DockerInstanceRuntime(new DockerRuntimeOptions { Endpoint = endpoint });

        var error = await Assert.ThrowsAsync<InstanceRuntimeException>(() => runtime.InspectAsync("web"));

        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a uri")]
    [InlineData("ftp://127.0.0.1/")]
    public void Constructor_NotADockerEndpoint_Throws(string endpoint) =>
        Assert.Throws<ArgumentException>(() => new DockerInstanceRuntime(new DockerRuntimeOptions { Endpoint = endpoint }));
}
