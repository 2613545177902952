using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Cli.Tests;

/// <summary>
/// The real command tree: a token is never sent in cleartext to a server off loopback without --insecure, and a bad
/// token or CA file ends the command before any connection.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TransportCommandLineTests : IDisposable
{
    private const string Token = "admin-token-0123456789abcdef";

    private readonly TempFolder _folder = new("cli-transport");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Run_TokenOverCleartextToRemoteServer_RefusedBeforeConnecting()
    {
        var clock = Stopwatch.StartNew();

        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", "http://10.255.255.1:5080", "--token", Token);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("not loopback", output, StringComparison.Ordinal);
        Assert.Contains("--insecure", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, output, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}: it tried to connect");
    }

    [Fact]
    public async Task Run_ServerAnswersPlainHttp_UnreachableSayingItIsNoGrpcEndpoint()
    {
        // What a TLS port with HTTP/1.1 enabled may answer to cleartext HTTP/2: an HTTP/1.1 400, then close.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answering = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            // Whatever the client sent first (its HTTP/2 preface): read once, then answer.
            _ = await stream.ReadAsync(new byte[1024]);
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        });

        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"http://127.0.0.1:{Port(listener)}");
        await answering;

        Assert.True(exit == ExitCodes.Unreachable, output);
        Assert.Contains("no gRPC endpoint", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TokenFileOpenToOthers_UsageAndNothingSent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var path = WriteToken("t", Token + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"http://127.0.0.1:{Port(listener)}", "--token-file", path);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("chmod 600", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, output, StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task Run_CaFileMissing_UsageBeforeConnecting()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"https://127.0.0.1:{Port(listener)}", "--ca-file", _folder.File("nosuch.pem"));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--ca-file", output, StringComparison.Ordinal);
        Assert.Contains("is not a readable PEM or DER certificate", output, StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task Run_CaFileNotACertificate_UsageBeforeConnecting()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var path = _folder.File("garbage.pem");
        await File.WriteAllTextAsync(path, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");

        var (exit, output) = await CliRun.RunAsync("proxy", "ls", "--server", $"https://127.0.0.1:{Port(listener)}", "--ca-file", path);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--ca-file", output, StringComparison.Ordinal);
        Assert.Contains("is not a readable PEM or DER certificate", output, StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    private static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    private string WriteToken(string name, string content)
    {
        var path = _folder.File($"{name}-{Guid.NewGuid():N}.token");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
