namespace BlueGreen.Orleans.Cli.Tests;

/// <summary>Which servers may get a token in cleartext: loopback only, unless --insecure.</summary>
public sealed class ServerTransportTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080", true, false, false)]
    [InlineData("http://127.4.5.6:5080", true, false, false)]
    [InlineData("http://localhost:5080", true, false, false)]
    [InlineData("http://[::1]:5080", true, false, false)]
    [InlineData("https://10.0.0.1:5080", true, false, false)]
    [InlineData("https://gateway.example:443", true, false, false)]
    [InlineData("http://10.0.0.1:5080", false, false, false)]
    [InlineData("http://10.0.0.1:5080", true, true, false)]
    [InlineData("http://10.0.0.1:5080", true, false, true)]
    [InlineData("http://0.0.0.0:5080", true, false, true)]
    [InlineData("http://[::]:5080", true, false, true)]
    [InlineData("http://gateway.internal:5080", true, false, true)]
    [InlineData("http://localhost.example.com:5080", true, false, true)]
    [InlineData("http://127.0.0.1.nip.io:5080", true, false, true)]
    public void CleartextRefusal_ByAddressTokenAndInsecure_RefusedOnlyForATokenInCleartextOffLoopback(string server, bool token, bool insecure, bool refused)
    {
        var refusal = ServerTransport.CleartextRefusal(new Uri(server), token, insecure);

        Assert.Equal(refused, refusal is not null);
        if (refusal is not null)
        {
            Assert.Contains("--insecure", refusal, StringComparison.Ordinal);
            Assert.Contains("Nothing was sent", refusal, StringComparison.Ordinal);
        }
    }
}
