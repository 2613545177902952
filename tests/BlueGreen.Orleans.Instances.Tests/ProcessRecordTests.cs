namespace BlueGreen.Orleans.Instances.Tests;

public sealed class ProcessRecordTests
{
    [Fact]
    public void Format_Always_StartsWithBarePid()
    {
        var record = new ProcessRecord(321, 99, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

        Assert.StartsWith("321\n", record.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Formatted_RoundTrips()
    {
        var record = new ProcessRecord(321, 99, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), ExitCode: 143);

        Assert.Equal(record, ProcessRecord.Parse(record.Format()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc\nstarttime=1\nstarted=2026-01-01T00:00:00Z\n")]
    [InlineData("12\nstarted=2026-01-01T00:00:00Z\n")]
    public void Parse_Incomplete_ReturnsNull(string text) => Assert.Null(ProcessRecord.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("not a pid file")]
    public async Task ReadAsync_EmptyOrUnparsableFile_ReturnsNull(string text)
    {
        using var folder = new BlueGreen.Orleans.Harness.TempFolder();
        var path = folder.File("web.pid");
        await File.WriteAllTextAsync(path, text);

        Assert.Null(await ProcessRecord.ReadAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_OverAnOlderRecord_ReplacesItAndLeavesNoTemporaryFile()
    {
        using var folder = new BlueGreen.Orleans.Harness.TempFolder();
        var path = folder.File("web.pid");
        await new ProcessRecord(1, 2, DateTimeOffset.UnixEpoch).WriteAsync(path, CancellationToken.None);
        var record = new ProcessRecord(321, 99, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), ExitCode: 0);

        await record.WriteAsync(path, CancellationToken.None);

        Assert.Equal(record, await ProcessRecord.ReadAsync(path, CancellationToken.None));
        Assert.Equal(["web.pid"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }
}
