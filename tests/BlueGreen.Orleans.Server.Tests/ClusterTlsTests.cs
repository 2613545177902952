using System.Diagnostics;
using System.Net.Sockets;
using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// Cluster mode with mutual TLS, real processes only (<see cref="TlsClusterFixture"/>): silos with certificates from the
/// cluster's CA form the cluster and serve through a Gateway-role process; a silo without a certificate, or with one
/// from another CA, never becomes an active member; a client without TLS cannot reach a grain.
/// </summary>
public sealed class ClusterTlsTests(TlsClusterFixture cluster) : IClassFixture<TlsClusterFixture>
{
    [Fact]
    public async Task Cluster_SilosWithCertificatesFromTheCa_BothActiveAndTheGatewayServes()
    {
        var members = await RedisMembership.ReadAsync(cluster.Redis.ConnectionString, cluster.ClusterId);
        var (exit, output) = await CliRun.RunAsync("service", "ls", "--server", $"http://127.0.0.1:{cluster.Gateway.GrpcPort}", "--token-file", cluster.TokenFile);

        Assert.All(cluster.Silos, silo => Assert.Equal(RedisMembership.Active, members.GetValueOrDefault(silo.SiloPort)));
        Assert.True(exit == ExitCodes.Ok, output);
    }

    [Fact]
    public async Task Cluster_SiloWithoutCertificateOrFromAnotherCa_NeverActiveAndStops()
    {
        var plain = cluster.Server("silo-plain", "Silo", issuer: null);
        var foreign = cluster.Server("silo-foreign", "Silo", cluster.OtherCa);
        plain.Launch();
        foreign.Launch();

        // Watch membership until both have stopped: an intruder must never be listed Active, not even for a moment.
        var seen = new Dictionary<int, int>();
        var clock = Stopwatch.StartNew();
        while ((await plain.WaitForExitAsync(TimeSpan.Zero) is null || await foreign.WaitForExitAsync(TimeSpan.Zero) is null) && clock.Elapsed < TimeSpan.FromSeconds(150))
        {
            foreach (var (port, status) in await RedisMembership.ReadAsync(cluster.Redis.ConnectionString, cluster.ClusterId))
            {
                seen[port] = Math.Max(seen.GetValueOrDefault(port), status == RedisMembership.Dead ? 0 : status);
            }

            await Task.Delay(200);
        }

        var members = await RedisMembership.ReadAsync(cluster.Redis.ConnectionString, cluster.ClusterId);
        AttackLog.Record("Orleans silo ports (cluster, mutual TLS)", "a silo without a certificate, and one with a certificate from another CA, try to join", $"listed Active at any moment: {string.Join(", ", new[] { plain, foreign }.Select(i => seen.GetValueOrDefault(i.SiloPort) >= RedisMembership.Active))}; both stopped after {clock.Elapsed.TotalSeconds:0} s", new[] { plain, foreign }.All(i => seen.GetValueOrDefault(i.SiloPort) < RedisMembership.Active));
        foreach (var intruder in new[] { plain, foreign })
        {
            var exit = await intruder.WaitForExitAsync(TimeSpan.FromSeconds(1));
            Assert.True(exit is not null and not 0, $"silo on port {intruder.SiloPort} still runs or ended with 0 after {clock.Elapsed}:\n{Tail(intruder.Output)}");
            Assert.True(seen.GetValueOrDefault(intruder.SiloPort) < RedisMembership.Active, $"silo on port {intruder.SiloPort} was listed Active");
            Assert.NotEqual(RedisMembership.Active, members.GetValueOrDefault(intruder.SiloPort));
        }

        // The cluster itself is unharmed.
        Assert.All(cluster.Silos, silo => Assert.Equal(RedisMembership.Active, members.GetValueOrDefault(silo.SiloPort)));
    }

    [Fact]
    public async Task Cluster_OrleansClientWithoutTls_CannotConnect()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(c => (c.ServiceId, c.ClusterId) = ("bluegreen", cluster.ClusterId));
            client.UseRedisClustering(r => r.ConfigurationOptions = ConfigurationOptions.Parse(cluster.Redis.ConnectionString));
        });
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // A TLS client connects in well under a second; this one finds the gateways in Redis and is never let in.
        var failure = await Record.ExceptionAsync(async () =>
        {
            await host.StartAsync(timeout.Token);
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<ICatalogGrain>(0).ListProxiesAsync();
        });

        AttackLog.Record("Orleans gateway ports (cluster, mutual TLS)", "an Orleans client without TLS finds the gateways in Redis and calls a grain", failure is null ? "the call was served" : $"never connected ({failure.GetType().Name})", failure is not null);
        Assert.NotNull(failure);
    }

    [Fact]
    public async Task Cluster_PlainBytesToASiloPort_ConnectionClosedWithoutAnAnswer()
    {
        foreach (var port in cluster.Silos.SelectMany(s => new[] { s.SiloPort, s.GatewayPort }))
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var stream = client.GetStream();
            // What an Orleans connection without TLS starts with is not a TLS ClientHello: the handshake fails.
            await stream.WriteAsync("\0\0\0\u0010orleans-preamble"u8.ToArray());
            var buffer = new byte[1024];
            var read = await ReadOrClosedAsync(stream, buffer);

            AttackLog.Record("Orleans silo and gateway ports (cluster, mutual TLS)", $"plain bytes (an Orleans preamble without TLS) to port {port}", read == 0 ? "connection closed without an answer" : $"{read} bytes answered", read == 0);
            Assert.Equal(0, read);
        }
    }

    private static async Task<int> ReadOrClosedAsync(NetworkStream stream, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string Tail(string output) => output.Length <= 3000 ? output : output[^3000..];
}
