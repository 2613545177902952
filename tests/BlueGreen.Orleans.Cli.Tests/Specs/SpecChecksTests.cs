using BlueGreen.Orleans.Cli.Specs;

namespace BlueGreen.Orleans.Cli.Tests.Specs;

/// <summary>A spec's names and ids checked locally with the server's rules: exit 64, every problem named, nothing sent.</summary>
public sealed class SpecChecksTests
{
    private const string Valid = """
        name: web
        route_key: web.local
        proxies: [edge-0]
        live_version: 1
        blue: { command: /bin/app, instances: [{ server: s1, address: 127.0.0.1, port: 3000 }] }
        green: { command: /bin/app, instances: [{ server: s1, address: 127.0.0.1, port: 4000 }] }
        """;

    [Fact]
    public void Check_ValidSpec_Unchanged()
    {
        var spec = SpecFile.Parse(Valid, json: false);

        Assert.Same(spec, SpecChecks.Check(spec));
    }

    [Theory]
    [InlineData("proxies: [edge-0]", "proxies: [edge/1]", "spec.proxies 'edge/1'")]
    [InlineData("route_key: web.local", "route_key: \"web.local; del map\"", "spec.route_key")]
    [InlineData("name: web", "name: Web", "spec.name 'Web'")]
    [InlineData("live_version: 1", "live_version: \"1 2\"", "spec.live_version")]
    [InlineData("server: s1, address: 127.0.0.1, port: 3000", "server: s/1, address: 127.0.0.1, port: 3000", "spec.blue.instances.server 's/1'")]
    public void Check_FieldAgainstTheSharedRules_RefusedNamingIt(string line, string hostile, string expected)
    {
        var spec = SpecFile.Parse(Valid.Replace(line, hostile, StringComparison.Ordinal), json: false);

        var error = Assert.Throws<CliException>(() => SpecChecks.Check(spec));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Check_SeveralProblems_EveryOneListed()
    {
        var spec = SpecFile.Parse(Valid.Replace("name: web", "name: Web", StringComparison.Ordinal).Replace("[edge-0]", "[edge/1]", StringComparison.Ordinal), json: false);

        var error = Assert.Throws<CliException>(() => SpecChecks.Check(spec));

        Assert.Contains("spec.name", error.Message, StringComparison.Ordinal);
        Assert.Contains("spec.proxies", error.Message, StringComparison.Ordinal);
    }
}
