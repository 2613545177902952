using BlueGreen.Orleans.Gateway;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>The gateway's start-up checks of its transport: no cleartext gRPC off loopback unless told, certificates that open.</summary>
public sealed class GatewayOptionsTests : IDisposable
{
    private const string Password = "pfx-password-0123";

    private readonly TempFolder _folder = new("gwopts");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("10.1.2.3")]
    [InlineData("192.0.2.2")]
    [InlineData("fd00::2")]
    public void Validate_NonLoopbackWithoutCertificate_RefusedNamingTheWayOut(string address)
    {
        var errors = Options(address).Validate();

        var error = Assert.Single(errors);
        Assert.Contains($"Gateway:ListenAddress '{address}' is not a loopback address", error, StringComparison.Ordinal);
        Assert.Contains("Gateway:CertificatePath", error, StringComparison.Ordinal);
        Assert.Contains("Gateway:AllowInsecure=true", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.42")]
    [InlineData("::1")]
    public void Validate_LoopbackWithoutCertificate_Accepted(string address) =>
        Assert.Empty(Options(address).Validate());

    [Fact]
    public void Validate_NonLoopbackAllowInsecure_Accepted()
    {
        var options = Options("0.0.0.0");
        options.AllowInsecure = true;

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_NonLoopbackWithCertificate_AcceptedWithPasswordOrPasswordFile()
    {
        var pfx = WritePfx();
        var passwordFile = _folder.File("pfx.password");
        File.WriteAllText(passwordFile, Password + "\n");
        var inline = Options("0.0.0.0");
        inline.CertificatePath = pfx;
        inline.CertificatePassword = Password;
        var fromFile = Options("0.0.0.0");
        fromFile.CertificatePath = pfx;
        fromFile.CertificatePasswordFile = passwordFile;

        Assert.Empty(inline.Validate());
        Assert.Empty(fromFile.Validate());
    }

    [Fact]
    public void Validate_CertificateProblems_EachNamed()
    {
        var pfx = WritePfx();
        var emptyFile = _folder.File("empty.password");
        File.WriteAllText(emptyFile, string.Empty);
        var cases = new (Action<GrpcGatewayOptions> Set, string Expected)[]
        {
            (o => (o.CertificatePath, o.CertificatePassword) = (pfx, "wrong-password"), "cannot be opened as a PFX"),
            (o => (o.CertificatePath, o.CertificatePassword) = (_folder.File("nosuch.pfx"), Password), "does not exist"),
            (o => (o.CertificatePath, o.CertificatePassword, o.CertificatePasswordFile) = (pfx, Password, emptyFile), "both set"),
            (o => (o.CertificatePath, o.CertificatePasswordFile) = (pfx, emptyFile), "is empty"),
            (o => (o.CertificatePath, o.CertificatePasswordFile) = (pfx, _folder.File("nosuch.password")), "does not exist"),
            (o => o.CertificatePassword = Password, "without Gateway:CertificatePath"),
        };

        foreach (var (set, expected) in cases)
        {
            var options = Options("127.0.0.1");
            set(options);
            var error = Assert.Single(options.Validate());
            Assert.Contains(expected, error, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
        }
    }

    private static GrpcGatewayOptions Options(string address)
    {
        var options = new GrpcGatewayOptions { ListenAddress = address };
        options.Tokens["ci-admin"] = new GatewayTokenOptions { Role = TokenRole.Admin, Value = ServerProcess.AdminToken };
        return options;
    }

    private string WritePfx()
    {
        using var ca = TestCertificateAuthority.Create("gateway-options-ca");
        using var certificate = ca.Issue("gateway");
        return TestCertificateAuthority.WritePfx(certificate, _folder.File("gateway.pfx"), Password);
    }
}
