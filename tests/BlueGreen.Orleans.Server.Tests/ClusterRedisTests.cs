using System.Globalization;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Cluster mode's Redis with a password (from a file, so not in argv) and over TLS (Redis' certificate checked against a
/// CA made by the test; the process's cluster certificate shown to Redis), against a real redis-server; and the
/// cluster settings the server refuses to start with.
/// </summary>
public sealed class ClusterRedisTests : IDisposable
{
    private const string RedisPassword = "redis-password-0123456789";

    private readonly TempFolder _folder = new("clredis");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Cluster_RedisPasswordFromFile_ServesAndIsNotInTheCommandLine()
    {
        await using var redis = await RedisServer.StartAsync(password: RedisPassword);
        await using var server = new ServerProcess(_folder.File("data"), redis.ConnectionString, $"c{Guid.NewGuid():N}", extraArguments: ["--BlueGreen:RedisPasswordFile", Secret("redis.password", RedisPassword + "\n")])
        {
            ConnectClient = false,
        };

        await server.StartAsync();
        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"http://127.0.0.1:{server.GrpcPort}", "--token-file", TokenFile());
        var commandLine = await File.ReadAllTextAsync($"/proc/{server.Pid}/cmdline");

        Assert.True(exit == ExitCodes.Ok, output);
        Assert.DoesNotContain(RedisPassword, commandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_RedisWrongPassword_RefusesToStart()
    {
        await using var redis = await RedisServer.StartAsync(password: RedisPassword);
        await using var server = new ServerProcess(_folder.File("data"), redis.ConnectionString, $"c{Guid.NewGuid():N}", extraArguments: ["--BlueGreen:RedisPasswordFile", Secret("wrong.password", "not-the-password\n")])
        {
            ConnectClient = false,
        };

        server.Launch();
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(90));

        AttackLog.Record("Redis (cluster)", "a silo with the wrong Redis password", $"exit {exit}; the password it tried is not in its output: {!server.Output.Contains("not-the-password", StringComparison.Ordinal)}", exit is not null and not 0);
        Assert.True(exit is not null and not 0, $"exit {exit}:\n{Tail(server.Output)}");
        // StackExchange.Redis' own words, in the process's last line ("Unhandled exception. …").
        Assert.Contains("There was an authentication failure; check that passwords", server.Output, StringComparison.Ordinal);
        Assert.Contains("WRONGPASS", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_RedisOverTls_ServesWithItsCaAndRefusesAnother()
    {
        using var ca = TestCertificateAuthority.Create("redis-test-ca");
        using var other = TestCertificateAuthority.Create("another-ca");
        using var redisCertificate = ca.Issue("redis");
        using var serverCertificate = ca.Issue("bluegreen-server");
        var (certificate, key) = TestCertificateAuthority.WritePem(redisCertificate, _folder.File("redis.crt"), _folder.File("redis.key"));
        var caFile = ca.WriteCaPem(_folder.File("ca.pem"));
        var otherCaFile = other.WriteCaPem(_folder.File("other-ca.pem"));
        var pfx = TestCertificateAuthority.WritePfx(serverCertificate, _folder.File("server.pfx"), "pfx-password-0123");
        // Redis asks for a client certificate (tls-auth-clients yes, its default) from the same CA.
        await using var redis = await RedisServer.StartAsync(password: RedisPassword, tls: (certificate, key, caFile));
        string[] Arguments(string redisCa) =>
        [
            "--BlueGreen:RedisPasswordFile", Secret("redis.password", RedisPassword),
            "--BlueGreen:RedisCaPath", redisCa,
            "--BlueGreen:Tls:CertificatePath", pfx,
            "--BlueGreen:Tls:CertificatePassword", "pfx-password-0123",
            "--BlueGreen:Tls:CaPath", caFile,
        ];
        var connection = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redis.Port},ssl=true");
        await using var trusting = new ServerProcess(_folder.File("trusting"), connection, $"c{Guid.NewGuid():N}", extraArguments: Arguments(caFile)) { ConnectClient = false };
        await using var distrusting = new ServerProcess(_folder.File("distrusting"), connection, $"c{Guid.NewGuid():N}", extraArguments: Arguments(otherCaFile)) { ConnectClient = false };

        await trusting.StartAsync();
        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"http://127.0.0.1:{trusting.GrpcPort}", "--token-file", TokenFile());
        distrusting.Launch();
        var distrustingExit = await distrusting.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exit == ExitCodes.Ok, output);
        Assert.True(distrustingExit is not null and not 0, $"exit {distrustingExit}:\n{Tail(distrusting.Output)}");
        Assert.Contains("It was not possible to connect to the redis server", distrusting.Output, StringComparison.Ordinal);
        Assert.Contains("certificate", distrusting.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("non-loopback silo without TLS", "BlueGreen:AllowInsecure=true", "--BlueGreen:AdvertisedAddress", "192.0.2.10")]
    [InlineData("CA for Redis without ssl=true", "has no ssl=true", "--BlueGreen:RedisCaPath", "ca.pem")]
    [InlineData("certificate without a CA", "needs both CertificatePath", "--BlueGreen:Tls:CertificatePath", "server.pfx")]
    [InlineData("password twice", "set one", "--BlueGreen:Redis", "127.0.0.1:1,password=x", "--BlueGreen:RedisPasswordFile", "redis.password")]
    [InlineData("empty password file", "is empty", "--BlueGreen:RedisPasswordFile", "empty.password")]
    [InlineData("wrong PFX password", "cannot be opened as a PFX", "--BlueGreen:Tls:CertificatePath", "server.pfx", "--BlueGreen:Tls:CertificatePassword", "wrong", "--BlueGreen:Tls:CaPath", "ca.pem")]
    public async Task Start_UnsafeOrInconsistentClusterSettings_ExitsNamingTheSetting(string label, string expected, params string[] arguments)
    {
        using var ca = TestCertificateAuthority.Create("settings-ca");
        using var certificate = ca.Issue("server");
        ca.WriteCaPem(_folder.File("ca.pem"));
        TestCertificateAuthority.WritePfx(certificate, _folder.File("server.pfx"), "pfx-password-0123");
        Secret("redis.password", RedisPassword);
        Secret("empty.password", string.Empty);
        // File names are relative to the test's folder; the Redis address is never reached (refused before).
        var resolved = arguments.Select(a => a.EndsWith(".pem", StringComparison.Ordinal) || a.EndsWith(".pfx", StringComparison.Ordinal) || a.EndsWith(".password", StringComparison.Ordinal) ? _folder.File(a) : a);
        await using var server = new ServerProcess(_folder.File("data"), "127.0.0.1:1", $"c{Guid.NewGuid():N}", extraArguments: resolved) { ConnectClient = false };

        server.Launch();
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit is not null and not 0, $"{label}: exit {exit}:\n{Tail(server.Output)}");
        Assert.Contains(expected, server.Output, StringComparison.Ordinal);
    }

    private string Secret(string name, string content)
    {
        var path = _folder.File(name);
        File.WriteAllText(path, content);
        TestCertificateAuthority.OwnerOnly(path);
        return path;
    }

    private string TokenFile() => Secret("admin.token", ServerProcess.AdminToken + "\n");

    private static string Tail(string output) => output.Length <= 3000 ? output : output[^3000..];
}
