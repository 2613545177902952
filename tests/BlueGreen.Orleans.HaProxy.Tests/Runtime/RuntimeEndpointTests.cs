using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

public sealed class RuntimeEndpointTests
{
    [Fact]
    public void Parse_Tcp_HostAndPort()
    {
        var endpoint = RuntimeEndpoint.Parse("tcp://127.0.0.2:9000");

        Assert.False(endpoint.IsUnix);
        Assert.Equal(("127.0.0.2", 9000), (endpoint.Host, endpoint.Port));
        Assert.Equal("tcp://127.0.0.2:9000", endpoint.ToString());
    }

    [Fact]
    public void Parse_BracketedIpv6_Host()
    {
        var endpoint = RuntimeEndpoint.Parse("tcp://[::1]:9000");

        Assert.Equal("::1", endpoint.Host);
        Assert.Equal("tcp://[::1]:9000", endpoint.ToString());
    }

    [Fact]
    public void Parse_Unix_AbsolutePath()
    {
        var endpoint = RuntimeEndpoint.Parse("unix:///run/haproxy/admin.sock");

        Assert.True(endpoint.IsUnix);
        Assert.Equal("/run/haproxy/admin.sock", endpoint.SocketPath);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:9000")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:70000")]
    [InlineData("tcp://:9000")]
    [InlineData("unix://relative.sock")]
    [InlineData("http://127.0.0.1:9000")]
    public void TryParse_Invalid_FalseWithMessage(string value)
    {
        Assert.False(RuntimeEndpoint.TryParse(value, out _, out var error));
        Assert.NotEmpty(error);
    }
}
