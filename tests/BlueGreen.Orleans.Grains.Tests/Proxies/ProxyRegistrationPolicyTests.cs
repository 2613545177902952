using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// Where a registration may point the server, on a real file system: map paths are judged by where they really lead
/// (symlinks followed), endpoints by the address really connected to.
/// </summary>
public sealed class ProxyRegistrationPolicyTests : IDisposable
{
    private readonly TempFolder _folder = new("bgpol");

    public ProxyRegistrationPolicyTests()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Sockets);
    }

    private string Root => _folder.File("maps");

    private string Outside => _folder.File("elsewhere");

    private string Sockets => _folder.File("run");

    private ProxyRegistrationOptions Options => new() { MapsRoot = Root, RuntimeApiSocketDirectories = [Sockets] };

    public void Dispose() => _folder.Dispose();

    private static ProxyRegistration Registration(string map, string? write = null, string api = "tcp://127.0.0.1:9999") =>
        new() { RuntimeApi = api, MapFile = map, MapFileWritePath = write };

    [Fact]
    public void Check_MapFileInRoot_Allowed()
    {
        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{Root}/edge-1.map"), Options));
        // Folders not made yet are made by the writer, inside the root.
        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{Root}/edge/1/hosts.map"), Options));
    }

    [Fact]
    public void Check_MapFileOutsideRoot_RefusedNamingTheFieldAndTheRoot()
    {
        var error = Assert.Single(ProxyRegistrationPolicy.Check(Registration("/etc/haproxy/haproxy.cfg"), Options));

        Assert.StartsWith("map_file: '/etc/haproxy/haproxy.cfg' is not allowed", error, StringComparison.Ordinal);
        Assert.Contains($"BlueGreen:Proxies:MapsRoot ({Root})", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_WritePathGiven_TheWritePathIsJudgedNotTheMapFile()
    {
        Assert.Empty(ProxyRegistrationPolicy.Check(Registration("/usr/local/etc/haproxy/hosts.map", $"{Root}/hosts.map"), Options));
        Assert.StartsWith("map_file_write_path:", Assert.Single(ProxyRegistrationPolicy.Check(Registration($"{Root}/hosts.map", $"{Outside}/hosts.map"), Options)), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_EscapesFromTheRoot_Refused()
    {
        File.CreateSymbolicLink($"{Root}/link", Outside);
        File.WriteAllText($"{Outside}/target.map", "x y\n");
        File.CreateSymbolicLink($"{Root}/file.map", $"{Outside}/target.map");
        File.CreateSymbolicLink($"{Root}/dangling.map", $"{Outside}/not-there/x.map");
        Directory.CreateDirectory($"{Root}-evil");

        string[] escapes =
        [
            $"{Root}/link/hosts.map",            // a folder in the root that is a symlink out of it
            $"{Root}/link/deeper/hosts.map",     // ... and a folder not made yet under it
            $"{Root}/file.map",                  // the file itself a symlink out
            $"{Root}/dangling.map",              // a dangling one: creating through it would land outside
            $"{Root}/../elsewhere/hosts.map",    // '..'
            $"{Root}-evil/hosts.map",            // a sibling whose name starts with the root's
            Root,                                // the root itself is a folder, not a map file in it
        ];

        foreach (var path in escapes)
        {
            var errors = ProxyRegistrationPolicy.Check(Registration($"{Root}/ok.map", path), Options);
            Assert.True(errors.Count == 1 && errors[0].StartsWith("map_file_write_path:", StringComparison.Ordinal), $"{path}: {string.Join(" ", errors)}");
        }
    }

    [Fact]
    public void Check_RootItselfASymlink_PathsThroughEitherNameAllowed()
    {
        var real = _folder.File("real-maps");
        Directory.CreateDirectory(real);
        var alias = _folder.File("maps-alias");
        File.CreateSymbolicLink(alias, real);
        var options = new ProxyRegistrationOptions { MapsRoot = alias };

        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{real}/hosts.map"), options));
        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{alias}/hosts.map"), options));
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:9999", true)]
    [InlineData("tcp://127.0.0.42:9999", true)]
    [InlineData("tcp://[::1]:9999", true)]
    [InlineData("tcp://[::ffff:127.0.0.1]:9999", true)]
    [InlineData("tcp://10.0.0.5:9999", false)]
    [InlineData("tcp://[::ffff:10.0.0.5]:9999", false)]
    [InlineData("tcp://169.254.169.254:80", false)]
    [InlineData("tcp://localhost:9999", false)]
    [InlineData("tcp://haproxy-1.internal:9999", false)]
    public void Check_TcpRuntimeApi_LoopbackAddressesOnlyByDefault(string api, bool allowed)
    {
        var errors = ProxyRegistrationPolicy.Check(Registration($"{Root}/hosts.map", api: api), Options);

        if (allowed)
        {
            Assert.Empty(errors);
        }
        else
        {
            var error = Assert.Single(errors);
            Assert.StartsWith($"runtime_api: '{api}' is not allowed", error, StringComparison.Ordinal);
            Assert.Contains("BlueGreen:Proxies:RuntimeApiNetworks (127.0.0.0/8, ::1/128)", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_TcpRuntimeApi_ConfiguredNetworksAndHosts()
    {
        var options = new ProxyRegistrationOptions { MapsRoot = Root, RuntimeApiNetworks = ["10.20.0.0/16"], RuntimeApiHosts = ["haproxy-1.internal"] };

        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{Root}/a.map", api: "tcp://10.20.3.4:9999"), options));
        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{Root}/a.map", api: "tcp://HAProxy-1.internal:9999"), options));
        Assert.Single(ProxyRegistrationPolicy.Check(Registration($"{Root}/a.map", api: "tcp://127.0.0.1:9999"), options));
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:9979")]
    [InlineData("tcp://169.254.169.254:80")]
    [InlineData("unix:///var/run/docker.sock")]
    public void Check_MasterApiOutsideWhatIsAllowed_RefusedLikeTheRuntimeApi(string master)
    {
        var registration = Registration($"{Root}/a.map") with { MasterApi = master };

        var error = Assert.Single(ProxyRegistrationPolicy.Check(registration, Options));

        Assert.StartsWith($"master_api: '{master}' is not allowed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnixRuntimeApi_SocketMustReallyLieInAnAllowedFolder()
    {
        File.CreateSymbolicLink($"{Sockets}/docker.sock", "/var/run/docker.sock");

        Assert.Empty(ProxyRegistrationPolicy.Check(Registration($"{Root}/a.map", api: $"unix://{Sockets}/admin.sock"), Options));
        foreach (var api in new[] { "unix:///var/run/docker.sock", $"unix://{Sockets}/docker.sock", $"unix://{Sockets}/../elsewhere/admin.sock" })
        {
            var error = Assert.Single(ProxyRegistrationPolicy.Check(Registration($"{Root}/a.map", api: api), Options));
            Assert.StartsWith("runtime_api:", error, StringComparison.Ordinal);
            Assert.Contains("RuntimeApiSocketDirectories", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_Defaults_MapsUnderVarLibAndSocketsUnderRunHaProxy()
    {
        var defaults = new ProxyRegistrationOptions();

        Assert.Empty(ProxyRegistrationPolicy.Check(Registration("/var/lib/bluegreen/maps/edge-1.map", api: "unix:///run/haproxy/admin.sock"), defaults));
        Assert.Equal(2, ProxyRegistrationPolicy.Check(Registration("/etc/haproxy/hosts.map", api: "unix:///tmp/admin.sock"), defaults).Count);
    }

    [Fact]
    public void Validator_WithOptions_FormatErrorsFirstThenThePolicy()
    {
        var malformed = ProxyRegistrationValidator.Validate("edge-1", Registration("relative.map"), Options);
        var outside = ProxyRegistrationValidator.Validate("edge-1", Registration("/etc/hosts.map"), Options);

        Assert.StartsWith("map_file: 'relative.map' must be an absolute path", Assert.Single(malformed), StringComparison.Ordinal);
        Assert.StartsWith("map_file: '/etc/hosts.map' is not allowed", Assert.Single(outside), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Options_EveryProblemListedWithItsKey()
    {
        var errors = new List<string>();
        new ProxyRegistrationOptions { MapsRoot = "maps", RuntimeApiNetworks = ["127.0.0.0/33"], RuntimeApiHosts = ["a b"], RuntimeApiSocketDirectories = ["/"] }.Validate(errors);

        Assert.Equal(
            ["BlueGreen:Proxies:MapsRoot", "BlueGreen:Proxies:RuntimeApiNetworks", "BlueGreen:Proxies:RuntimeApiHosts", "BlueGreen:Proxies:RuntimeApiSocketDirectories"],
            errors.Select(e => e[..e.IndexOfAny([' ', ':'], "BlueGreen:Proxies:".Length)]));
    }
}
