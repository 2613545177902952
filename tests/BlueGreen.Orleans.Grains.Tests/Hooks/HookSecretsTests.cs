using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Hooks;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Grains.Tests.Hooks;

public sealed class HookSecretsTests : IDisposable
{
    private readonly TempFolder _folder = new("hook-secrets");

    [Fact]
    public void TryRead_FileWithTrailingNewline_KeyWithoutIt()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "web"), "0123456789abcdef0123\n");

        var key = new HookSecrets(_folder.Path).TryRead("web", out var problem);

        Assert.Null(problem);
        Assert.Equal("0123456789abcdef0123"u8.ToArray(), key);
    }

    [Theory]
    [InlineData("missing", "no file 'missing' in the hook secrets folder")]
    [InlineData("short", "'short' in the hook secrets folder holds fewer than 16 bytes")]
    [InlineData("outside", "'outside' in the hook secrets folder links outside it")]
    [InlineData("../web", "'../web' is not a file name")]
    public void TryRead_Refused_OneLineWithoutTheContent(string name, string expected)
    {
        var secrets = Path.Combine(_folder.Path, "secrets");
        Directory.CreateDirectory(secrets);
        File.WriteAllText(Path.Combine(secrets, "short"), "tiny");
        File.WriteAllText(Path.Combine(_folder.Path, "elsewhere"), "0123456789abcdef0123");
        File.CreateSymbolicLink(Path.Combine(secrets, "outside"), Path.Combine(_folder.Path, "elsewhere"));

        var key = new HookSecrets(secrets).TryRead(name, out var problem);
        if (name is "outside" or "../web")
        {
            AttackLog.Record("hook secrets folder", $"hook_secret '{name}' ({(name == "outside" ? "a link in the folder to a file outside it" : "a path out of the folder")})", problem ?? "read", key is null);
        }

        Assert.Null(key);
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void TryRead_NoFolderConfigured_SaysWhichSetting()
    {
        Assert.Null(new HookSecrets(null).TryRead("web", out var problem));
        Assert.Equal("this server has no hook secrets folder (BlueGreen:Hooks:SecretsFolder)", problem);
    }

    public void Dispose() => _folder.Dispose();
}
