using BlueGreen.Orleans.Grains.Hooks;

namespace BlueGreen.Orleans.Grains.Tests.Hooks;

public sealed class HookOptionsTests
{
    [Theory]
    [InlineData("ci.example.com", "https://ci.example.com/gates/web", true)]
    [InlineData("CI.example.com", "https://ci.example.com:8443/x", true)]
    [InlineData("ci.example.com:8443", "https://ci.example.com:8443/x", true)]
    [InlineData("ci.example.com:8443", "https://ci.example.com/x", false)]
    [InlineData("ci.example.com:443", "https://ci.example.com/x", true)]
    [InlineData("127.0.0.1", "http://127.0.0.1:9000/x", true)]
    [InlineData("[::1]", "http://[::1]:9000/x", true)]
    [InlineData("ci.example.com", "https://ci.example.com.evil.example/x", false)]
    [InlineData("ci.example.com", "http://169.254.169.254/latest/meta-data", false)]
    public void Allows_UrlAgainstOneAllowedHost(string allowed, string url, bool expected) =>
        Assert.Equal(expected, new HookOptions { AllowedHosts = [allowed] }.Allows(new Uri(url)));

    [Fact]
    public void Allows_NoneConfigured_Nothing() => Assert.False(new HookOptions().Allows(new Uri("http://127.0.0.1/x")));
}
