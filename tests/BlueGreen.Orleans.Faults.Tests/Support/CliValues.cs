using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// A valid value for each argument and option of the CLI, aimed at one service of a stage. An argument or option
/// without one fails the case that needs it, naming it, so a new one cannot go untested.
/// </summary>
public sealed class CliValues(GatewayStage stage, string service, string specPath, long deploymentId = 1)
{
    public string For(string command, string symbol) => (command, symbol) switch
    {
        (_, "--server") => $"http://127.0.0.1:{stage.Server.GrpcPort}",
        (_, "--token") => ServerProcess.AdminToken,
        (_, "--output") => "table",
        ("proxy add", "id") => CliCommands.NewProxy,
        ("proxy add", "--runtime-api") => stage.Proxy.RuntimeApi.ToString(),
        ("proxy add", "--map-file") => stage.Proxy.MapFile,
        // Its own file beside the stage proxy's: two registrations never write one map file.
        ("proxy add", "--map-file-write-path") => Path.Combine(Path.GetDirectoryName(stage.Proxy.MapFile)!, "cli-walk.map"),
        ("proxy add", "--master-api") => stage.Proxy.MasterApi.ToString(),
        ("proxy add", "--label") => "team=web",
        // With --agent (CliCommands' modes): where the new credential is written.
        ("proxy add", "--credential-file") => Path.Combine(Path.GetDirectoryName(specPath)!, "agent.credential"),
        ("proxy rm" or "proxy show", "id") => GatewayStage.ProxyId,
        ("service apply", "--file") => specPath,
        ("service apply", "--adopt") => "1",
        ("service show" or "service rm", "name") => service,
        (_, "service") => service,
        ("release", "--version") => "2",
        // With --hold (CliCommands' modes).
        ("release", "--auto-approve-after") => "10m",
        // The canary mode: its options carry it.
        ("release", "--canary") => "10,50,100",
        ("release", "--step-interval") => "30s",
        (_, "--health-timeout") => "20s",
        (_, "--drain-timeout") => "5s",
        (_, "--keep-warm") => "1m",
        (_, "--verify-window") => "0s",
        ("haproxy config", "--file") => specPath,
        ("haproxy config", "--name") => "edge-1",
        ("haproxy config", "--frontend") => "127.0.0.1:8080",
        ("haproxy config", "--runtime-api") => "unix:///run/haproxy/admin.sock",
        ("haproxy config", "--socket-group") => "haproxy",
        ("haproxy config", "--user") => "haproxy",
        ("haproxy config", "--group") => "haproxy",
        ("haproxy config", "--chroot") => "/var/lib/haproxy",
        ("haproxy config", "--master-api") => "unix:///run/haproxy/master.sock",
        ("haproxy config", "--map-file") => "/var/lib/bluegreen/maps/hosts.map",
        ("haproxy config", "--stats") => "127.0.0.1:8404",
        ("haproxy config", "--check-path") => "/healthz",
        ("maintenance on", "--message") => "Back at 10:00 UTC",
        ("watch", "id") => deploymentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"No valid value for 'bluegreen {command} {symbol}': add one to CliValues so it is tested."),
    };
}
