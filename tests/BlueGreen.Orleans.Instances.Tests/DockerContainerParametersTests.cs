namespace BlueGreen.Orleans.Instances.Tests;

public sealed class DockerContainerParametersTests
{
    private static readonly InstanceSpec Spec = new()
    {
        Name = "web-green-0",
        Image = "bluegreen/echo:2",
        Arguments = ["--port", "8080"],
        Environment = new Dictionary<string, string> { ["COLOUR"] = "green" },
        Labels = new Dictionary<string, string> { ["team"] = "web", [DockerInstanceRuntime.InstanceLabel] = "spoofed" },
        Port = 18080,
    };

    [Fact]
    public void Create_Default_PublishesInstancePortOnItsAddressOnTheGivenNetwork()
    {
        var parameters = DockerContainerParameters.Create(Spec with { Address = "127.0.0.7" }, network: "apps");

        Assert.Equal("apps", parameters.HostConfig.NetworkMode);
        var binding = Assert.Single(parameters.HostConfig.PortBindings["18080/tcp"]);
        Assert.Equal(("127.0.0.7", "18080"), (binding.HostIP, binding.HostPort));
    }

    [Fact]
    public void Create_HostNetwork_UsesHostModeAndPublishesNothing()
    {
        var parameters = DockerContainerParameters.Create(Spec with { HostNetwork = true }, network: "apps");

        Assert.Equal("host", parameters.HostConfig.NetworkMode);
        Assert.Null(parameters.HostConfig.PortBindings);
        Assert.Null(parameters.ExposedPorts);
    }

    [Fact]
    public void Create_WithoutHostNetwork_PublishesContainerPortOnAddressAndPort()
    {
        var parameters = DockerContainerParameters.Create(Spec with { ContainerPort = 8080, Address = "127.0.0.7" });

        Assert.Null(parameters.HostConfig.NetworkMode);
        Assert.Contains("8080/tcp", parameters.ExposedPorts.Keys);
        var binding = Assert.Single(parameters.HostConfig.PortBindings["8080/tcp"]);
        Assert.Equal("127.0.0.7", binding.HostIP);
        Assert.Equal("18080", binding.HostPort);
    }

    [Fact]
    public void Create_Always_RunsInitAndLabelsInstanceOverCallerLabel()
    {
        var parameters = DockerContainerParameters.Create(Spec);

        Assert.True(parameters.HostConfig.Init);
        Assert.Equal("web-green-0", parameters.Labels[DockerInstanceRuntime.InstanceLabel]);
        Assert.Equal("web", parameters.Labels["team"]);
        Assert.Equal(["COLOUR=green"], parameters.Env);
        Assert.Equal("web-green-0", parameters.Name);
    }

    [Fact]
    public void Create_WithoutCommand_KeepsImageEntrypointAndPassesArgumentsAsCmd()
    {
        var parameters = DockerContainerParameters.Create(Spec);

        Assert.Null(parameters.Entrypoint);
        Assert.Equal(["--port", "8080"], parameters.Cmd);
    }

    [Fact]
    public void Create_WithCommandAndNoArguments_OverridesEntrypointAndLeavesCmdUnset()
    {
        var parameters = DockerContainerParameters.Create(Spec with { Command = "/bin/echo-server", Arguments = [] });

        Assert.Equal(["/bin/echo-server"], parameters.Entrypoint);
        Assert.Null(parameters.Cmd);
    }
}
