using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Cli.Tests;

/// <summary>Where the token comes from: files first, command line before environment, never echoed.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TokenSourceTests : IDisposable
{
    private const string Token = "admin-token-0123456789abcdef";

    private readonly TempFolder _folder = new("cli-transport");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--token-file", "--token-file")]
    [InlineData("--token", "--token")]
    [InlineData("BLUEGREEN_TOKEN_FILE", "BLUEGREEN_TOKEN_FILE")]
    [InlineData("BLUEGREEN_TOKEN", "BLUEGREEN_TOKEN")]
    [InlineData("none", null)]
    public void Resolve_EverySourceFromTheFirstGiven_CommandLineBeforeEnvironmentFileBeforeValue(string first, string? expected)
    {
        // Every source holds a token naming itself; the ones before `first` in the precedence order are absent.
        string[] order = ["--token-file", "--token", "BLUEGREEN_TOKEN_FILE", "BLUEGREEN_TOKEN"];
        var present = order.SkipWhile(s => s != first).ToHashSet();
        string? Value(string source) => present.Contains(source) ? $"token-from-{source.TrimStart('-')}" : null;
        string? File(string source) => Value(source) is { } token ? WriteToken(source.TrimStart('-'), token + "\n") : null;
        var environment = new Dictionary<string, string?> { ["BLUEGREEN_TOKEN_FILE"] = File("BLUEGREEN_TOKEN_FILE"), ["BLUEGREEN_TOKEN"] = Value("BLUEGREEN_TOKEN") };

        var token = TokenSource.Resolve(File("--token-file"), Value("--token"), name => environment.GetValueOrDefault(name));

        Assert.Equal(expected is null ? null : $"token-from-{expected.TrimStart('-')}", token);
    }

    [Theory]
    [InlineData("secret-token-0123456789\n", "secret-token-0123456789")]
    [InlineData("secret-token-0123456789\r\n", "secret-token-0123456789")]
    [InlineData("secret-token-0123456789", "secret-token-0123456789")]
    public void ReadFile_OneTrailingNewline_Removed(string content, string expected) =>
        Assert.Equal(expected, TokenSource.ReadFile(WriteToken("t", content), "--token-file"));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("\n", "is empty")]
    [InlineData("secret-token-0123456789\n\n", "visible ASCII")]
    [InlineData("secret token 0123456789", "visible ASCII")]
    [InlineData(" secret-token-0123456789", "visible ASCII")]
    public void ReadFile_EmptyOrNotAToken_RefusedWithoutShowingIt(string content, string expected)
    {
        var path = WriteToken("t", content);

        var error = Assert.Throws<CliException>(() => TokenSource.ReadFile(path, "--token-file"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void ReadFile_OpenToOtherUsers_RefusedNamingChmod(UnixFileMode extra)
    {
        var path = WriteToken("t", Token + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = Assert.Throws<CliException>(() => TokenSource.ReadFile(path, "--token-file"));

        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_OwnerReadOnly_Accepted()
    {
        var path = WriteToken("t", Token + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead);

        Assert.Equal(Token, TokenSource.ReadFile(path, "--token-file"));
    }

    [Fact]
    public void ReadFile_MissingDirectoryOrOversized_Refused()
    {
        var big = WriteToken("big", new string('a', TokenSource.MaxFileBytes + 1));

        Assert.Contains("cannot be read", Assert.Throws<CliException>(() => TokenSource.ReadFile(_folder.File("nosuch"), "--token-file")).Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", Assert.Throws<CliException>(() => TokenSource.ReadFile(_folder.Path, "--token-file")).Message, StringComparison.Ordinal);
        Assert.Contains("larger than", Assert.Throws<CliException>(() => TokenSource.ReadFile(big, "--token-file")).Message, StringComparison.Ordinal);
    }

    private string WriteToken(string name, string content)
    {
        var path = _folder.File($"{name}-{Guid.NewGuid():N}.token");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
