using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// TLS for real: a CA and a certificate made by the test, the real server serving gRPC with it
/// (<c>Gateway:CertificatePath</c>, the password from a file), and the real CLI trusting that CA through
/// <c>--ca-file</c>, with its token from <c>--token-file</c>; refused without the CA or with another one.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes through IAsyncLifetime.DisposeAsync.")]
public sealed class GatewayTlsTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("gwtls");
    private ServerProcess _server = null!;

    private string CaFile => _folder.File("ca.pem");

    private string TokenFile => _folder.File("admin.token");

    public async Task InitializeAsync()
    {
        using var ca = TestCertificateAuthority.Create("bluegreen-test-ca");
        using var certificate = ca.Issue("bluegreen-gateway");
        ca.WriteCaPem(CaFile);
        using var other = TestCertificateAuthority.Create("some-other-ca");
        other.WriteCaPem(_folder.File("other-ca.pem"));
        TestCertificateAuthority.WritePfx(certificate, _folder.File("gateway.pfx"), "pfx-password-0123");
        await File.WriteAllTextAsync(_folder.File("pfx.password"), "pfx-password-0123\n");
        await File.WriteAllTextAsync(TokenFile, ServerProcess.AdminToken + "\n");
        TestCertificateAuthority.OwnerOnly(TokenFile);
        _server = new ServerProcess(_folder.File("data"), extraArguments:
        [
            "--Gateway:CertificatePath", _folder.File("gateway.pfx"),
            "--Gateway:CertificatePasswordFile", _folder.File("pfx.password"),
        ]);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Cli_CaFileOfTheServersCa_Served(string host)
    {
        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--output", "json", "--server", $"https://{host}:{_server.GrpcPort}", "--ca-file", CaFile, "--token-file", TokenFile);

        Assert.True(exit == ExitCodes.Ok, output);
        Assert.Contains("proxies", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_NoCaFile_RefusedAsUntrustedCertificate()
    {
        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"https://127.0.0.1:{_server.GrpcPort}", "--token-file", TokenFile);

        AttackLog.Record("CLI → gateway TLS", "a server whose certificate the CLI was not told to trust (no --ca-file)", $"exit {exit}, the token never sent in clear: {!output.Contains(ServerProcess.AdminToken, StringComparison.Ordinal)}", exit == ExitCodes.Unreachable);
        Assert.Equal(ExitCodes.Unreachable, exit);
        Assert.Contains("TLS with the server failed", output, StringComparison.Ordinal);
        Assert.Contains("--ca-file", output, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerProcess.AdminToken, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_CaFileOfAnotherCa_Refused()
    {
        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"https://127.0.0.1:{_server.GrpcPort}", "--ca-file", _folder.File("other-ca.pem"), "--token-file", TokenFile);

        AttackLog.Record("CLI → gateway TLS", "a server certificate from another CA than --ca-file names (a man in the middle)", $"exit {exit}", exit == ExitCodes.Unreachable);
        Assert.Equal(ExitCodes.Unreachable, exit);
        Assert.Contains("TLS with the server failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_CleartextToTheTlsPort_NoAnswer()
    {
        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"http://127.0.0.1:{_server.GrpcPort}", "--token-file", TokenFile);

        // The TLS handshake fails, or (HTTP/1.1 is on beside HTTP/2 for JSON) Kestrel answers an HTTP/1.1 400: either way
        // no gRPC endpoint answered.
        Assert.True(exit == ExitCodes.Unreachable, output);
    }

    [Fact]
    public async Task HttpJson_Http11OverTlsOnTheGrpcPort_Served()
    {
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(CaFile));
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate!);
            return chain.Build(leaf);
        };
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://127.0.0.1:{_server.GrpcPort}/v1/proxies"))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.ReadToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }
}
