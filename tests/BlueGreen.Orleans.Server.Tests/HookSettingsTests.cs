using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The server's hook settings are checked at start: a wrong one stops it (exit 2) naming the setting.</summary>
public sealed class HookSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new("hook-settings");

    [Theory]
    [InlineData("no such folder", "BlueGreen:Hooks:SecretsFolder '", "--BlueGreen:Hooks:SecretsFolder", "/nonexistent/hook-secrets")]
    [InlineData("a URL, not a host", "BlueGreen:Hooks:AllowedHosts 'https://ci.example.com/x' must be a host name", "--BlueGreen:Hooks:AllowedHosts:0", "https://ci.example.com/x")]
    [InlineData("a path after the host", "BlueGreen:Hooks:AllowedHosts 'ci.example.com/x' must be a host name", "--BlueGreen:Hooks:AllowedHosts:0", "ci.example.com/x")]
    [InlineData("a retry delay of 0", "BlueGreen:Hooks:RetryDelay must be between 10 ms and 1 minute", "--BlueGreen:Hooks:RetryDelay", "00:00:00")]
    public async Task Start_WrongHookSetting_ExitsNamingIt(string label, string expected, params string[] arguments)
    {
        await using var server = new ServerProcess(_folder.File("data"), extraArguments: arguments) { ConnectClient = false };

        server.Launch();
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 2, $"{label}: exit {exit}:\n{server.Output}");
        Assert.Contains(expected, server.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
