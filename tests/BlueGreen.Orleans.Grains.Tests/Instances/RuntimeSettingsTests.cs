using BlueGreen.Orleans.Grains.Instances;

namespace BlueGreen.Orleans.Grains.Tests.Instances;

/// <summary>The <c>BlueGreen:Runtimes</c> settings are checked at start, every problem listed with its key.</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void Validate_Defaults_NoErrors() => Assert.Empty(new InstanceRuntimeOptions().Validate());

    [Fact]
    public void Validate_EveryProblem_ListedWithItsKey()
    {
        var options = new InstanceRuntimeOptions
        {
            Process = new ProcessRuntimeSettings { Enabled = true, AllowedCommands = ["dotnet"], RunAsUser = "root" },
            Docker = new DockerRuntimeSettings { DefaultEndpoint = "docker.sock", AllowedEndpoints = ["ftp://host"], Network = "a b" },
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("BlueGreen:Runtimes:Process:AllowedCommands: 'dotnet' must be an absolute path", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("BlueGreen:Runtimes:Process:RunAsUser 'root' is root", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("BlueGreen:Runtimes:Docker:DefaultEndpoint: 'docker.sock'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("BlueGreen:Runtimes:Docker:AllowedEndpoints: 'ftp://host'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("BlueGreen:Runtimes:Docker:Network: 'a b'", StringComparison.Ordinal));
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void Validate_ProcessEnabledWithoutCommands_Refused()
    {
        var errors = new InstanceRuntimeOptions { Process = new ProcessRuntimeSettings { Enabled = true } }.Validate();

        Assert.StartsWith("BlueGreen:Runtimes:Process:AllowedCommands must list", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownRunAsUserWhenRoot_Refused()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the tests run as root, as a server in its Dockerfile does");
        var options = new InstanceRuntimeOptions
        {
            Process = new ProcessRuntimeSettings { Enabled = true, AllowedCommands = ["/usr/bin/dotnet"], RunAsUser = "no-such-user-bluegreen" },
        };

        Assert.StartsWith("BlueGreen:Runtimes:Process:RunAsUser 'no-such-user-bluegreen' is not a user", Assert.Single(options.Validate()), StringComparison.Ordinal);
    }
}
