using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

public sealed class RuntimeArgumentsTests
{
    public static TheoryData<string, string> Hostile => new()
    {
        { "X; shutdown sessions server blue/blue", "';'" },
        { "web.local\nshutdown sessions server web_blue/s1", "line break" },
        { "web.local\r", "line break" },
        // .NET's $ also matches before a final newline: the patterns must end with \z.
        { "web.local\n", "line break" },
        { "web_green\n", "line break" },
        { "a\\b", "'\\'" },
        { "two words", "whitespace" },
        { "tab\there", "whitespace" },
        { "", "empty" },
        { "quo\"te", "allow-list" },
        { "ünïcode", "allow-list" },
        { "web$(reboot)", "allow-list" },
        { new string('a', 257), "allow-list" },
        { new string('a', 10_000), "characters long" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Name_HostileValue_RefusedWithReason(string value, string reason)
    {
        var error = Assert.Throws<InvalidRuntimeArgumentException>(() => RuntimeArguments.Name(value, "key"));

        Assert.Equal("key", error.ParamName);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_Null_Refused() =>
        Assert.Throws<InvalidRuntimeArgumentException>(() => RuntimeArguments.Name(null, "key"));

    [Theory]
    [InlineData("web.local")]
    [InlineData("web_blue")]
    [InlineData("api-v2.example.com")]
    [InlineData("10.0.0.1:8080")]
    [InlineData("a")]
    public void Name_AllowedValue_ReturnedUnchanged(string value) =>
        Assert.Equal(value, RuntimeArguments.Name(value, "key"));

    [Fact]
    public void Name_128Characters_Allowed() =>
        Assert.Equal(128, RuntimeArguments.Name(new string('x', 128), "key").Length);

    [Theory]
    [InlineData("/etc/haproxy/hosts.map")]
    [InlineData("#2")]
    public void Map_AbsolutePathOrId_Allowed(string value) =>
        Assert.Equal(value, RuntimeArguments.Map(value, "map"));

    [Theory]
    [InlineData("/etc/haproxy/hosts.map\n")]
    [InlineData("#2\n")]
    [InlineData("hosts.map")]
    [InlineData("/etc/haproxy/hosts.map; shutdown frontend http")]
    [InlineData("/etc/hosts map")]
    [InlineData("#")]
    [InlineData("#1;2")]
    public void Map_RelativeOrHostile_Refused(string value) =>
        Assert.Throws<InvalidRuntimeArgumentException>(() => RuntimeArguments.Map(value, "map"));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("app-1.internal")]
    public void Address_Valid_Allowed(string value) =>
        Assert.Equal(value, RuntimeArguments.Address(value, "address"));

    [Theory]
    [InlineData("127.0.0.1;")]
    [InlineData("::1")]
    [InlineData("-host")]
    [InlineData("")]
    public void Address_Invalid_Refused(string value) =>
        Assert.Throws<InvalidRuntimeArgumentException>(() => RuntimeArguments.Address(value, "address"));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Port_OutOfRange_Refused(int port) =>
        Assert.Throws<InvalidRuntimeArgumentException>(() => RuntimeArguments.Port(port, "port"));
}
