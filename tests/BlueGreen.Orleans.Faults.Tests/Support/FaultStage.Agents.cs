using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Proxies;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// The stage in agent mode (<see cref="FaultStageOptions.Agents"/>): each proxy "host" is a folder the server never
/// names, holding the agent's credential and state; each agent dials the gateway through a relay of its own
/// (<see cref="AgentLinks"/>), so a test can cut or kill it at the exact message the server pushes down its stream.
/// </summary>
public sealed partial class FaultStage
{
    private readonly List<AgentProcess?> _agents = [];

    /// <summary>One relay per proxy between its agent and the gateway, watching what the server sends down the stream.</summary>
    public List<RuntimeApiRelay> AgentLinks { get; } = [];

    /// <summary>The running agent of each proxy (null after <see cref="KillAgentAsync"/>).</summary>
    public IReadOnlyList<AgentProcess?> Agents => _agents;

    /// <summary>What the server pushes when it switches <see cref="Host"/> to a backend: the map entry in the DesiredRoutes bytes.</summary>
    public static string RoutePushed(string backend) => $"{Host}\u0012{(char)backend.Length}{backend}";

    /// <summary>kill -9 of a proxy's agent by its PID.</summary>
    public async Task KillAgentAsync(int proxy)
    {
        if (_agents[proxy] is { } agent)
        {
            await agent.KillAsync();
            await agent.DisposeAsync();
            _agents[proxy] = null;
        }
    }

    /// <summary>Starts the proxy's agent again on the same host folder (its state file, its credential).</summary>
    public void RestartAgent(int proxy)
    {
        if (_agents[proxy] is not null)
        {
            throw new InvalidOperationException($"the agent of {ProxyId(proxy)} still runs");
        }

        _agents[proxy] = AgentProcess.Start(AgentArguments(proxy));
    }

    /// <summary>
    /// Every agent-mode proxy grain hears its agent and has a fresh snapshot (a no-op on a direct stage); with
    /// <paramref name="seenAfter"/>, heard from since then (a stream through a gateway that died still looks connected for
    /// a few seconds).
    /// </summary>
    public async Task WaitAgentsAsync(TimeSpan timeout, DateTimeOffset? seenAfter = null)
    {
        if (!Options.Agents)
        {
            return;
        }

        await Eventually.UntilAsync(
            () => Task.WhenAll(Enumerable.Range(0, Proxies.Count).Select(i => Client.GetGrain<IProxyGrain>(ProxyId(i)).GetStatusAsync())),
            statuses => statuses.All(s => s.Agent is { Connected: true } && s.Reachable && (seenAfter is null || s.Agent.LastSeenAt > seenAfter)),
            timeout,
            $"every agent connected with a fresh snapshot (agents: {string.Join(" | ", _agents.Select(a => a is null ? "killed" : a.HasExited ? "exited: " + a.Output : "running"))})");
    }

    /// <summary>
    /// Each proxy's agent's routes version against the one its proxy grain wants, by proxy id (versions are per proxy);
    /// waits up to <paramref name="timeout"/> for every agent to hold its desired one (an ack travels in a report), else throws.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (long? Held, long Desired)>> AgentVersionsAsync(TimeSpan timeout)
    {
        var statuses = await Eventually.UntilAsync(
            () => Task.WhenAll(Enumerable.Range(0, Proxies.Count).Select(i => Client.GetGrain<IProxyGrain>(ProxyId(i)).GetStatusAsync())),
            all => all.All(s => s.Agent?.HeldVersion == s.Agent?.DesiredVersion),
            timeout,
            "every agent on its desired routes version");
        return statuses.ToDictionary(s => s.Id, s => (s.Agent?.HeldVersion, s.Agent?.DesiredVersion ?? 0), StringComparer.Ordinal);
    }

    private string HostFolder(int proxy) => _folder.File($"host-{ProxyId(proxy)}");

    /// <summary>
    /// Registers <paramref name="proxyId"/> in agent mode through the gateway on <paramref name="grpcPort"/> (which issues
    /// the credential) and writes the credential into <paramref name="hostFolder"/> (mode 600), where
    /// <see cref="AgentArguments(string, string, string, HaProxyInstance, string?)"/> points the agent. Shared with the bench.
    /// </summary>
    public static async Task IssueCredentialAsync(int grpcPort, string proxyId, string hostFolder, CancellationToken cancellationToken = default)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var registered = await new V1.Proxies.ProxiesClient(channel).RegisterProxyAsync(
            new V1.RegisterProxyRequest { Id = proxyId, Agent = true },
            new Metadata { { "authorization", "Bearer " + ServerProcess.AdminToken } },
            cancellationToken: cancellationToken);
        await WriteCredentialAsync(hostFolder, registered.AgentCredential, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="credential"/> as the one line of <paramref name="hostFolder"/>'s credential file (mode 600),
    /// where <see cref="AgentArguments(string, string, string, HaProxyInstance, string?)"/> points the agent.
    /// </summary>
    public static async Task WriteCredentialAsync(string hostFolder, string credential, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(hostFolder);
        var path = Path.Combine(hostFolder, "credential");
        await File.WriteAllTextAsync(path, credential + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>The command line of an agent beside <paramref name="proxy"/>, its credential and state in <paramref name="hostFolder"/>; the agent's default tick when <paramref name="tick"/> is null.</summary>
    public static string[] AgentArguments(string proxyId, string server, string hostFolder, HaProxyInstance proxy, string? tick = null) =>
    [
        "--proxy-id", proxyId,
        "--server", server,
        "--credential-file", Path.Combine(hostFolder, "credential"),
        "--runtime-api", proxy.RuntimeApi.ToString(),
        "--master-api", proxy.MasterApi.ToString(),
        "--map-file", proxy.MapFile,
        "--state-dir", Path.Combine(hostFolder, "state"),
        .. tick is null ? Array.Empty<string>() : ["--tick", tick],
    ];

    /// <summary>Registers the proxy in agent mode through the gateway (the credential is issued there), and starts its agent.</summary>
    private async Task StartAgentAsync(int proxy)
    {
        await IssueCredentialAsync(GrpcServer.GrpcPort, ProxyId(proxy), HostFolder(proxy));
        AgentLinks.Add(RuntimeApiRelay.Start("127.0.0.1", "127.0.0.1", GrpcServer.GrpcPort, watchReplies: true));
        _agents.Add(AgentProcess.Start(AgentArguments(proxy)));
    }

    private string[] AgentArguments(int proxy) =>
        AgentArguments(ProxyId(proxy), $"http://127.0.0.1:{AgentLinks[proxy].Port}", HostFolder(proxy), Proxies[proxy], "100ms");

    private async Task StopAgentsAsync()
    {
        foreach (var agent in _agents.OfType<AgentProcess>())
        {
            await agent.DisposeAsync();
        }

        foreach (var relay in AgentLinks)
        {
            await relay.DisposeAsync();
        }
    }
}
