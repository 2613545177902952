using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The proxy bounds of a real bluegreen-server's configuration: out of range, it refuses to start and names each.</summary>
public sealed class ServerSettingsTests
{
    [Fact]
    public async Task Start_ProxyBoundsOutOfRange_RefusedNamingEverySetting()
    {
        using var folder = new TempFolder("settings");
        await using var server = new ServerProcess(
            folder.File("data"),
            extraArguments: ["--BlueGreen:ProxyMaxReplyBytes", "1024", "--BlueGreen:ProxySnapshotInterval", "02:00:00"]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(server.StartAsync);

        Assert.Contains("BlueGreen:ProxyMaxReplyBytes must be between 65536 (64 KiB) and 1073741824 (1 GiB).", error.Message, StringComparison.Ordinal);
        Assert.Contains("BlueGreen:ProxySnapshotInterval must be between 0 (every monitor tick) and 1 hour.", error.Message, StringComparison.Ordinal);
    }
}
