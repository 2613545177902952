using System.Collections.Immutable;
using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Tests.Services;

/// <summary>
/// The shared rules never let through what an adapter's own, independent allow-list refuses: what reaches HAProxy
/// (route keys, backend and server names) passes <see cref="RuntimeArguments"/> and the config's rules, and every valid
/// service and server make an instance name within <see cref="FieldRules.InstanceName"/>.
/// </summary>
public sealed class FieldRulesAdapterTests
{
    private static readonly string[] Edges =
    [
        "web", "web-1", "Web", "-web", "web_1", "web.local", "web.local:8080", "a/b", "..", ".", "s1", ".s1", "s:1", "x;y", "x y",
        "x\\y", "x\ny", "x\n", "\n", "é", "x\"y", "x'y", "x#y", "x@y", "x+y", "", new string('a', 58), new string('a', 59), new string('a', 63),
        new string('a', 64), new string('a', 128), new string('a', 129),
    ];

    /// <summary>The edges, and 5,000 random strings over letters, digits and every punctuation that means something somewhere.</summary>
    public static IEnumerable<string> Samples()
    {
        var random = new Random(20261202);
        const string alphabet = "aZ09._:/-+@#;\\ \n\r\t\"'{}$%é";
        return Edges.Concat(Enumerable.Range(0, 5000).Select(_ =>
            new string(Enumerable.Range(0, random.Next(0, 140)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray())));
    }

    /// <summary>
    /// A route key that is one of the keys the frontend builds for another route key's preview, canary split or
    /// maintenance message is refused: a service routed by <c>/Canary/shop.local</c> would set shop's split, and one by
    /// <c>/Preview/shop.local</c> shop's preview target. The rules' prefixes are the adapter's own.
    /// </summary>
    [Theory]
    [InlineData("/Preview/shop.local")]
    [InlineData("/Canary/shop.local")]
    [InlineData("/Maintenance/shop.local")]
    public void RouteKey_AnotherRouteKeysStrategyKey_Refused(string key)
    {
        Assert.False(FieldRules.RouteKey.IsValid(key));
        Assert.Contains(key, new[] { PreviewRoute.Key("shop.local"), CanaryRoute.Key("shop.local"), MaintenancePage.MessageKey("shop.local") });
        Assert.True(FieldRules.RouteKey.IsValid(key.ToLowerInvariant()));
        Assert.Equal([PreviewRoute.KeyPrefix, CanaryRoute.KeyPrefix, MaintenancePage.MessageKeyPrefix], FieldRules.ReservedRouteKeyPrefixes);
    }

    [Fact]
    public void FieldRules_AcceptedValue_AlsoPassesTheHaProxyAdaptersOwnRules()
    {
        var leaks = new List<string>();
        foreach (var value in Samples())
        {
            if (FieldRules.RouteKey.IsValid(value) && !RuntimeArguments.IsValidName(value))
            {
                leaks.Add($"route key '{value}'");
            }

            if (FieldRules.ServiceName.IsValid(value)
                && (!HaProxyConfigValidator.IsValidServiceName(value)
                    || !RuntimeArguments.IsValidName(Colour.Blue.Backend(value))
                    || !RuntimeArguments.IsValidName(Colour.Green.Backend(value))))
            {
                leaks.Add($"service '{value}'");
            }

            // A maintenance message reaches HAProxy as a map value (base64url), under a key named after the route key
            // (set map <map> <key> <value>).
            if (FieldRules.MaintenanceMessage.IsValid(value) && !RuntimeArguments.IsValidName(MaintenancePage.Encode(value)))
            {
                leaks.Add($"maintenance message '{value}'");
            }

            if (FieldRules.RouteKey.IsValid(value) && !RuntimeArguments.IsValidName(MaintenancePage.MessageKey(value)))
            {
                leaks.Add($"route key '{value}' in maintenance");
            }

            // A server name is a Runtime API argument (set server b/s) and may not hold the '/' that separates them.
            if (FieldRules.ServerName.IsValid(value) && (!RuntimeArguments.IsValidName(value) || value.Contains('/', StringComparison.Ordinal)))
            {
                leaks.Add($"server '{value}'");
            }
        }

        Assert.Empty(leaks);
    }

    [Theory]
    [InlineData("Back at 10:00 UTC (database upgrade)", true)]
    [InlineData("Wartung bis 10 Uhr, später wieder da", true)]
    [InlineData("Maintenance jusqu'à 10h, merci !", true)]
    [InlineData("", false)]
    [InlineData("Back soon; shutdown sessions server web_blue/s1", false)]
    [InlineData("Back soon\nshutdown sessions server web_blue/s1", false)]
    [InlineData("Back soon\r", false)]
    [InlineData("Back soon\0", false)]
    [InlineData("Back soon\\", false)]
    [InlineData("<script>alert(1)</script>", false)]
    [InlineData("say \"hi\"", false)]
    [InlineData("Back soon\u202E", false)]
    public void MaintenanceMessage_Value_AllowedOnlyWhenPlainText(string message, bool valid) =>
        Assert.Equal(valid, FieldRules.MaintenanceMessage.IsValid(message));

    [Fact]
    public void MaintenanceMessage_LengthInUtf8Bytes_AtMost96()
    {
        Assert.True(FieldRules.MaintenanceMessage.IsValid(new string('a', 96)));
        Assert.False(FieldRules.MaintenanceMessage.IsValid(new string('a', 97)));
        Assert.True(FieldRules.MaintenanceMessage.IsValid(new string('é', 48)));
        Assert.False(FieldRules.MaintenanceMessage.IsValid(new string('é', 49)));
        Assert.False(FieldRules.MaintenanceMessage.IsValid(new string('a', 10 * 1024)));
        Assert.Equal(128, MaintenancePage.Encode(new string('é', 48)).Length);
        Assert.True(RuntimeArguments.IsValidName(MaintenancePage.Encode(new string('é', 48))));
    }

    [Fact]
    public void FieldRules_LongestServiceAndServer_MakeAValidInstanceNameForEitherColour()
    {
        var service = new string('w', 63);
        var server = new string('s', FieldRules.MaxServerNameLength);
        Assert.True(FieldRules.ServiceName.IsValid(service));
        Assert.True(FieldRules.ServerName.IsValid(server));
        var colour = new ColourSpec { Runtime = "process", Command = "/bin/app", Instances = [new InstanceSlot(server, "127.0.0.1", 3000)] };

        var names = new[] { Orleans.Colour.Blue, Orleans.Colour.Green }
            .SelectMany(c => InstanceSpecs.For(service, c, colour, "1").Select(i => i.Name)).ToImmutableList();

        Assert.Equal([63 + 6 + FieldRules.MaxServerNameLength, 128], names.Select(n => n.Length));
        Assert.All(names, n => Assert.True(FieldRules.InstanceName.IsValid(n), n));
    }
}
