using BlueGreen.Orleans.Agent.Options;
using BlueGreen.Orleans.Agent.Tests.Support;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Agent.Tests.Options;

public sealed class AgentCommandLineTests : IDisposable
{
    private readonly TempFolder _folder = new("agent-cli");

    public AgentCommandLineTests()
    {
        File.WriteAllText(_folder.File("credential"), "secret-credential\n");
    }

    public static TheoryData<string, string> HostileValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var option in new[] { "--proxy-id", "--server", "--credential-file", "--runtime-api", "--map-file", "--state-dir", "--tick", "--master-api", "--ca-file" })
        {
            data.Add(option, "a\0b");
            data.Add(option, "a\nb");
            data.Add(option, "a;b");
            data.Add(option, new string('x', 10 * 1024));
        }

        return data;
    }

    [Fact]
    public void Parse_ValidArguments_Options()
    {
        var options = Parse(Valid(), out var exitCode, out var error);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Equal("edge-1", options!.ProxyId);
        Assert.Equal(new Uri("https://gateway.example:5443"), options.Server);
        Assert.Equal("/run/haproxy/admin.sock", options.RuntimeApi.SocketPath);
        Assert.Equal(_folder.File("hosts.map"), options.MapFile);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.Tick);
        Assert.Null(options.MasterApi);
    }

    [Theory]
    [MemberData(nameof(HostileValues))]
    public void Parse_HostileValue_OneLineUsageErrorWithoutTheRawValue(string option, string value)
    {
        var arguments = With(option, value);

        Parse(arguments, out var exitCode, out var error);

        Assert.Equal(AgentCommandLine.Usage, exitCode);
        var line = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("bluegreen-agent: error: ", line, StringComparison.Ordinal);
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', line);
        Assert.True(line.Length < 500, $"{line.Length} characters");
    }

    [Theory]
    [InlineData("--runtime-api", "tcp://127.0.0.1:9999", "local unix socket")]
    [InlineData("--master-api", "tcp://127.0.0.1:9999", "local unix socket")]
    [InlineData("--server", "http://10.1.2.3:5080", "cleartext")]
    [InlineData("--server", "ftp://gateway:21", "https://")]
    [InlineData("--tick", "10ms", "between 50ms and 60s")]
    [InlineData("--tick", "2m", "ms or s")]
    [InlineData("--map-file", "relative/hosts.map", "absolute path")]
    [InlineData("--map-file", "/no/such/folder/hosts.map", "folder does not exist")]
    [InlineData("--state-dir", "state", "absolute path")]
    [InlineData("--credential-file", "/no/such/credential", "no such file")]
    [InlineData("--proxy-id", "edge 1", "--proxy-id")]
    public void Parse_BadValue_NamedInOneLine(string option, string value, string expected)
    {
        Parse(With(option, value), out var exitCode, out var error);

        Assert.Equal(AgentCommandLine.Usage, exitCode);
        var line = Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CredentialOfTwoLines_RefusedWithoutQuotingIt()
    {
        File.WriteAllText(_folder.File("credential"), "first-line\nsecond-line\n");

        Parse(Valid(), out var exitCode, out var error);

        Assert.Equal(AgentCommandLine.Usage, exitCode);
        Assert.Contains("--credential-file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("first-line", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RequiredOptionsMissing_OneLineEach()
    {
        Parse([], out var exitCode, out var error);

        Assert.Equal(AgentCommandLine.Usage, exitCode);
        var lines = error.TrimEnd('\n').Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("bluegreen-agent: error: ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Main_BadOption_ProcessExits64WithOneLine()
    {
        var (exitCode, output) = await AgentProcess.RunToExitAsync(With("--runtime-api", "tcp://127.0.0.1:9999"));

        Assert.Equal(64, exitCode);
        Assert.StartsWith("bluegreen-agent: error: --runtime-api", Assert.Single(output.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_Help_ProcessExits0ListingEveryOption()
    {
        var (exitCode, output) = await AgentProcess.RunToExitAsync(["--help"]);

        Assert.Equal(0, exitCode);
        Assert.All(["--proxy-id", "--server", "--credential-file", "--runtime-api", "--map-file", "--state-dir", "--tick"], o => Assert.Contains(o, output, StringComparison.Ordinal));
    }

    public void Dispose() => _folder.Dispose();

    private string[] Valid() =>
    [
        "--proxy-id", "edge-1",
        "--server", "https://gateway.example:5443",
        "--credential-file", _folder.File("credential"),
        "--runtime-api", "unix:///run/haproxy/admin.sock",
        "--map-file", _folder.File("hosts.map"),
        "--state-dir", _folder.File("state"),
        "--tick", "250ms",
    ];

    private string[] With(string option, string value)
    {
        var arguments = Valid().ToList();
        var index = arguments.IndexOf(option);
        if (index >= 0)
        {
            arguments[index + 1] = value;
        }
        else
        {
            arguments.AddRange([option, value]);
        }

        return [.. arguments];
    }

    private static AgentOptions? Parse(string[] arguments, out int exitCode, out string error)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var options = AgentCommandLine.Parse(arguments, output, errors, out exitCode);
        error = errors.ToString();
        return options;
    }
}
