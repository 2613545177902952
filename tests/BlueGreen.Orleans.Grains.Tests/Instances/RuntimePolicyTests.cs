using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Tests.Instances;

/// <summary>What the server's configuration lets a colour start: every refusal names the field and the setting.</summary>
public sealed class RuntimePolicyTests
{
    private static readonly ColourSpec Process = new()
    {
        Runtime = "process",
        Command = "/usr/bin/dotnet",
        Instances = [new InstanceSlot("s1", "127.0.0.1", 3000)],
    };

    private static readonly ColourSpec Docker = new()
    {
        Runtime = "docker",
        Image = "registry.local/web:{version}",
        Instances = [new InstanceSlot("s1", "127.0.0.1", 3000)],
    };

    private static InstanceRuntimeOptions Options(bool process = true, bool docker = true, bool hostNetwork = false, string[]? endpoints = null) => new()
    {
        Process = new ProcessRuntimeSettings { Enabled = process, AllowedCommands = ["/usr/bin/dotnet", "/opt/app/2/run"] },
        Docker = new DockerRuntimeSettings { Enabled = docker, AllowHostNetwork = hostNetwork, AllowedEndpoints = endpoints },
    };

    [Fact]
    public void Check_Defaults_RefuseProcessAndDocker()
    {
        var defaults = new InstanceRuntimeOptions();

        Assert.StartsWith("blue.runtime: the process runtime is not enabled", Assert.Single(RuntimePolicy.Check("blue", Process, defaults)), StringComparison.Ordinal);
        Assert.StartsWith("blue.runtime: the docker runtime is not enabled", Assert.Single(RuntimePolicy.Check("blue", Docker, defaults)), StringComparison.Ordinal);
        Assert.Empty(RuntimePolicy.Check("blue", new ColourSpec { Runtime = "external" }, defaults));
    }

    [Fact]
    public void Check_ProcessDisabled_NamesRuntimeAndTheSetting()
    {
        var error = Assert.Single(RuntimePolicy.Check("green", Process, Options(process: false)));

        Assert.StartsWith("green.runtime:", error, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:Runtimes:Process:Enabled", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/bin/sh", "is not one of BlueGreen:Runtimes:Process:AllowedCommands")]
    [InlineData("/usr/bin/../bin/dotnet", "is not one of BlueGreen:Runtimes:Process:AllowedCommands")]
    [InlineData("dotnet", "must be an absolute path")]
    [InlineData("./dotnet", "must be an absolute path")]
    public void Check_CommandNotAllowed_NamesCommandAndTheRule(string command, string rule)
    {
        var error = Assert.Single(RuntimePolicy.Check("blue", Process with { Command = command }, Options()));

        Assert.StartsWith($"blue.command: '{command}' ", error, StringComparison.Ordinal);
        Assert.Contains(rule, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AllowedCommand_NoErrors() => Assert.Empty(RuntimePolicy.Check("blue", Process, Options()));

    [Fact]
    public void Check_CommandWithPlaceholders_ComparedWholeOnceFilled()
    {
        var templated = Process with { Command = "/opt/app/{version}/run" };

        Assert.Empty(RuntimePolicy.Check("blue", templated, Options()));
        Assert.Empty(RuntimePolicy.Check("blue", templated with { Command = "/opt/app/2/run" }, Options(), filled: true));
        Assert.StartsWith("blue.command:", Assert.Single(RuntimePolicy.Check("blue", templated with { Command = "/opt/app/3/run" }, Options(), filled: true)), StringComparison.Ordinal);
        Assert.StartsWith("blue.command:", Assert.Single(RuntimePolicy.Check("blue", Process with { Command = "{version}/run" }, Options())), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HostNetworkNotAllowed_NamesHostNetworkAndTheSetting()
    {
        var error = Assert.Single(RuntimePolicy.Check("blue", Docker with { HostNetwork = true }, Options()));

        Assert.StartsWith("blue.host_network:", error, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:Runtimes:Docker:AllowHostNetwork", error, StringComparison.Ordinal);
        Assert.Empty(RuntimePolicy.Check("blue", Docker with { HostNetwork = true }, Options(hostNetwork: true)));
        Assert.Empty(RuntimePolicy.Check("blue", Docker, Options()));
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2375", false)]
    [InlineData("unix:///run/docker.sock", false)]
    [InlineData("unix:///var/run/docker.sock", true)]
    [InlineData("tcp://127.0.0.1:2375", true)]
    public void Check_DockerEndpoint_DefaultOrListedOnly(string endpoint, bool allowed)
    {
        var errors = RuntimePolicy.Check("green", Docker with { DockerEndpoint = endpoint }, Options(endpoints: ["tcp://127.0.0.1:2375"]));

        if (allowed)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.StartsWith("green.docker_endpoint:", Assert.Single(errors), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ServiceSpecValidator_WithOptions_EveryColourChecked()
    {
        var spec = new ServiceSpec
        {
            Name = "web",
            RouteKey = "web.local",
            Proxies = ["edge-1"],
            Blue = Process with { Command = "/bin/sh" },
            Green = Docker with { HostNetwork = true },
        };

        var errors = ServiceSpecValidator.Validate(spec, Options());

        Assert.Equal(["blue.command", "green.host_network"], errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]));
    }
}
