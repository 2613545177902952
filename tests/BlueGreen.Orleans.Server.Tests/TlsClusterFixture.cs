using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// A cluster with mutual TLS, all real processes: redis-server, two silos and a Gateway-role process, each with its own
/// certificate from a CA made by the test (<c>BlueGreen:Tls:*</c>, the PFX password from a file). Also holds a second
/// CA for certificates the cluster must refuse.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync.")]
public sealed class TlsClusterFixture : IAsyncLifetime
{
    private const string Password = "pfx-password-0123";

    private readonly TempFolder _folder = new("tlscluster");
    private readonly List<ServerProcess> _servers = [];

    public TestCertificateAuthority Ca { get; } = TestCertificateAuthority.Create("bluegreen-cluster-ca");

    public TestCertificateAuthority OtherCa { get; } = TestCertificateAuthority.Create("another-ca");

    public RedisServer Redis { get; private set; } = null!;

    public string ClusterId { get; } = $"c{Guid.NewGuid():N}";

    public IReadOnlyList<ServerProcess> Silos { get; private set; } = [];

    public ServerProcess Gateway { get; private set; } = null!;

    public string TokenFile => _folder.File("admin.token");

    public async Task InitializeAsync()
    {
        Ca.WriteCaPem(_folder.File("ca.pem"));
        await File.WriteAllTextAsync(_folder.File("pfx.password"), Password + "\n");
        await File.WriteAllTextAsync(TokenFile, ServerProcess.AdminToken + "\n");
        TestCertificateAuthority.OwnerOnly(TokenFile);
        Redis = await RedisServer.StartAsync();
        Silos = [Server("silo-1", "Silo", Ca), Server("silo-2", "Silo", Ca)];
        foreach (var silo in Silos)
        {
            await silo.StartAsync();
        }

        Gateway = Server("gateway", "Gateway", Ca);
        await Gateway.StartAsync();
    }

    /// <summary>
    /// A process of this cluster (not started) with a certificate from <paramref name="issuer"/>, or without
    /// <c>BlueGreen:Tls</c> at all when null. The test's own Orleans client is never connected: it has no certificate.
    /// </summary>
    public ServerProcess Server(string name, string role, TestCertificateAuthority? issuer)
    {
        var arguments = new List<string>();
        if (issuer is not null)
        {
            using var certificate = issuer.Issue(name);
            var pfx = TestCertificateAuthority.WritePfx(certificate, _folder.File($"{name}.pfx"), Password);
            arguments.AddRange(["--BlueGreen:Tls:CertificatePath", pfx, "--BlueGreen:Tls:CertificatePasswordFile", _folder.File("pfx.password"), "--BlueGreen:Tls:CaPath", _folder.File("ca.pem")]);
        }

        var server = new ServerProcess(_folder.File(name), Redis.ConnectionString, ClusterId, role, arguments) { ConnectClient = false };
        _servers.Add(server);
        return server;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await Redis.DisposeAsync();
        Ca.Dispose();
        OtherCa.Dispose();
        _folder.Dispose();
    }
}
