using System.Diagnostics;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Agent.Tests.Processes;

/// <summary>
/// The agent as it is deployed (README "Many proxy hosts", deploy/agent/Dockerfile, bench/run.sh): published as a
/// native executable (Native AOT), then run beside a real haproxy. What the JIT-run dll does in the other tests, the
/// native one must do too: nothing in it may depend on reflection that trimming removed.
/// </summary>
public sealed class AgentNativeTests
{
    [Fact]
    public async Task PublishedNative_HaProxyReloadedWithAStaleMapFile_ReappliesHeldRoutesByItself()
    {
        using var output = new TempFolder("agent-native");
        var (exit, log) = await PublishAsync(output.Path);
        Assert.True(exit == 0, $"dotnet publish -r linux-x64 failed ({exit}):\n{log}");
        var executable = output.File("bluegreen-agent");
        Assert.False(File.Exists(output.File("bluegreen-agent.dll")), "the publish made a dll, not a native executable");

        await using var stage = await AgentStage.StartAsync();
        await stage.Store().SaveAsync(new DesiredRoutes(7, new Dictionary<string, string> { [AgentStage.Host] = AgentStage.GreenBackend }), CancellationToken.None);
        await using var agent = AgentProcess.Start(stage.AgentArguments(), executable);
        await stage.WaitGreenAsync(agent, "the native agent's start re-apply");
        await stage.ResetMapFileToBlueAsync();
        await stage.Proxy.ReloadAsync();
        await stage.WaitGreenAsync(agent, "the native agent's re-apply after a reload");

        Assert.Equal(AgentStage.GreenBackend, await stage.FileRouteAsync());
        Assert.Contains("HAProxy changed", agent.Output, StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Output);
    }

    /// <summary>dotnet publish of the agent for linux-x64 (Native AOT: its csproj sets PublishAot) into <paramref name="folder"/>.</summary>
    private static async Task<(int Exit, string Log)> PublishAsync(string folder)
    {
        var start = new ProcessStartInfo(EchoInstance.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "publish", Path.Combine(Repository.Root, "src", "BlueGreen.Orleans.Agent"), "-c", "Release", "-r", "linux-x64", "-o", folder, "-nologo", "-v", "quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        TrackedProcesses.Track(process);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            await TrackedProcesses.StopAsync(process);
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
