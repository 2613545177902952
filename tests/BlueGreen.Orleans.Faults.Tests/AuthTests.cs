using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// Bearer tokens on every RPC (found from the service descriptors: a new RPC counts as mutating until it is named as a
/// read) and every CLI command, against a real server and haproxy: a mutating call without a token, with a wrong or
/// malformed token → UNAUTHENTICATED, with the read token → PERMISSION_DENIED, before any validation and without any
/// change; reads work with the read token. No token ever appears in the server's logs or in the CLI's output.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class AuthTests(GatewayStage stage, ReliabilityReport report) : IClassFixture<GatewayStage>, IAsyncLifetime, IDisposable
{
    private const string Service = "auth";
    private const string WrongToken = "wrong-token-5f1c2a9e7d31";
    private readonly TempFolder _folder = new("auth");
    private long _deployment;

    /// <summary>Headers that must not authenticate anyone (all ASCII: the client refuses anything else).</summary>
    private static readonly (string Label, Metadata Headers)[] NoAdmission =
    [
        ("no header", []),
        ("wrong token", GatewayStage.Bearer(WrongToken)),
        ("empty bearer", new Metadata { { "authorization", "Bearer " } }),
        ("admin token without the Bearer scheme", new Metadata { { "authorization", ServerProcess.AdminToken } }),
        ("admin token as Basic", new Metadata { { "authorization", "Basic " + ServerProcess.AdminToken } }),
        ("admin token with one more character", GatewayStage.Bearer(ServerProcess.AdminToken + "0")),
        ("admin token less its last character", GatewayStage.Bearer(ServerProcess.AdminToken[..^1])),
        ("admin token upper-cased", GatewayStage.Bearer(ServerProcess.AdminToken.ToUpperInvariant())),
        ("read and admin tokens joined", GatewayStage.Bearer(ServerProcess.ReadToken + ServerProcess.AdminToken)),
        ("10 KB token", GatewayStage.Bearer(new string('a', HostileValues.TenKilobytes))),
    ];

    public static TheoryData<string> Rpcs => [.. RpcCatalog.Methods.Select(RpcCatalog.PathOf)];

    public static TheoryData<string> AgentRpcs => [.. RpcCatalog.AgentMethods.Select(RpcCatalog.PathOf)];

    public async Task InitializeAsync()
    {
        if (await stage.EnsureServiceAsync(Service))
        {
            // A real finished deployment, so that GetDeployment and WatchDeployment have something to read.
            await stage.Deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "2" }, GatewayStage.Admin);
            await stage.WaitIdleAsync(Service, TimeSpan.FromSeconds(60));
        }

        var history = await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = Service }, GatewayStage.Admin);
        _deployment = history.Deployments[0].Id;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task Rpc_EveryTokenCase_RefusedOrServedAsItsRoleAllows(string rpc)
    {
        var method = RpcCatalog.Find(rpc);
        var read = RpcCatalog.IsRead(method);
        var request = RequestBaselines.For(method, stage, Service, _deployment);
        var haproxyBefore = await stage.SnapshotAsync();
        var stateBefore = await stage.StateAsync();
        var problems = new List<string>();
        var tried = 0;

        async Task ExpectAsync(string label, IMessage message, Metadata headers, params StatusCode[] expected)
        {
            tried++;
            var (code, detail, _) = await RpcCatalog.TryCallAsync(stage.Invoker, method, message, headers);
            if (!expected.Contains(code))
            {
                problems.Add($"{label}: {code} {detail} (expected {string.Join(" or ", expected)})");
            }

            if (detail.Contains(ServerProcess.AdminToken[..12], StringComparison.Ordinal) || detail.Contains(ServerProcess.ReadToken[..12], StringComparison.Ordinal))
            {
                problems.Add($"{label}: the reply quotes a token");
            }
        }

        foreach (var (label, headers) in NoAdmission)
        {
            await ExpectAsync(label, request, headers, StatusCode.Unauthenticated);
        }

        var empty = (IMessage)Activator.CreateInstance(method.InputType.ClrType)!;
        if (read)
        {
            await ExpectAsync("read token", request, GatewayStage.Read, StatusCode.OK);
            await ExpectAsync("admin token", request, GatewayStage.Admin, StatusCode.OK);
        }
        else
        {
            // The valid request, which would change something if the read token were let through.
            await ExpectAsync("read token", request, GatewayStage.Read, StatusCode.PermissionDenied);
            // Authorization comes before validation: an invalid request tells a read token nothing more.
            await ExpectAsync("read token, empty request", empty, GatewayStage.Read, StatusCode.PermissionDenied);
            // And the admin token passes it: the empty request is then refused for what it is.
            await ExpectAsync("admin token, empty request", empty, GatewayStage.Admin, StatusCode.InvalidArgument, StatusCode.NotFound);
        }

        var haproxyAfter = await stage.SnapshotAsync();
        var stateAfter = await stage.StateAsync();
        var leaked = Leaks(stage.Server.Output);
        report.Record(new ReliabilityCase(
            "auth: tokens on every RPC",
            tried,
            tried - problems.Count,
            0,
            0,
            haproxyAfter == haproxyBefore && stateAfter == stateBefore ? "none" : $"{rpc} changed haproxy or state",
            $"{RpcCatalog.Methods.Count} RPCs from the descriptors × no/wrong/empty/malformed/10 KB tokens → UNAUTHENTICATED; read token on a mutating RPC → PERMISSION_DENIED before validation; reads served with the read token; nothing changed; no token in the server log"));

        Assert.True(problems.Count == 0, $"{rpc} ({(read ? "read" : "mutating")}):\n{string.Join("\n", problems)}");
        Assert.Empty(leaked);
        Assert.Equal(haproxyBefore, haproxyAfter);
        Assert.Equal(stateBefore, stateAfter);
    }

    /// <summary>
    /// The agents' RPCs take an agent credential only: every token case, the read token and the admin token are
    /// UNAUTHENTICATED, with a hello naming a registered proxy.
    /// </summary>
    [Theory]
    [MemberData(nameof(AgentRpcs))]
    public async Task AgentRpc_EveryTokenCaseReadAndAdminToken_Unauthenticated(string rpc)
    {
        var method = RpcCatalog.Find(rpc);
        var request = new V1.AgentMessage { Hello = new V1.AgentHello { ProxyId = GatewayStage.ProxyId, AgentVersion = "auth-test" } };
        var stateBefore = await stage.StateAsync();
        var problems = new List<string>();
        var cases = NoAdmission.Append(("read token", GatewayStage.Read)).Append(("admin token", GatewayStage.Admin)).ToList();
        foreach (var (label, headers) in cases)
        {
            var (code, detail, _) = await RpcCatalog.TryCallAsync(stage.Invoker, method, request, headers);
            if (code != StatusCode.Unauthenticated)
            {
                problems.Add($"{label}: {code} {detail} (expected Unauthenticated)");
            }
        }

        var stateAfter = await stage.StateAsync();
        report.Record(new ReliabilityCase(
            "auth: tokens on the agents' RPCs",
            cases.Count,
            cases.Count - problems.Count,
            0,
            0,
            stateAfter == stateBefore ? "none" : $"{rpc} changed state",
            $"{RpcCatalog.AgentMethods.Count} agent RPCs × no/wrong/empty/malformed/10 KB tokens, the read and the admin token → UNAUTHENTICATED (an agent credential only)"));

        Assert.True(problems.Count == 0, $"{rpc}:\n{string.Join("\n", problems)}");
        Assert.Empty(Leaks(stage.Server.Output));
        Assert.Equal(stateBefore, stateAfter);
    }

    [Fact]
    public async Task Cli_EveryCommandWithBadOrReadToken_UnauthorizedAndNoTokenPrinted()
    {
        var spec = _folder.File("auth.json");
        await File.WriteAllTextAsync(spec, JsonFormatter.Default.Format(stage.Spec(Service)));
        var values = new CliValues(stage, Service, spec, _deployment);
        var haproxyBefore = await stage.SnapshotAsync();
        var stateBefore = await stage.StateAsync();
        var problems = new List<string>();
        var tried = 0;
        var commands = CliCommands.Leaves().Select(l => l.Path).ToList();
        foreach (var path in commands)
        {
            var read = CliCommands.IsRead(path);
            var offline = CliCommands.IsOffline(path);
            foreach (var (label, token, expected) in new (string, string?, int)[]
            {
                ("no token", null, offline ? ExitCodes.Ok : ExitCodes.Unauthorized),
                ("wrong token", WrongToken, offline ? ExitCodes.Ok : ExitCodes.Unauthorized),
                ("read token", ServerProcess.ReadToken, read || offline ? ExitCodes.Ok : ExitCodes.Unauthorized),
            })
            {
                tried++;
                var (exit, output) = await CliRun.RunAsync(CliCommands.Arguments(values, path, token));
                if (exit != expected)
                {
                    problems.Add($"bluegreen {path} with {label}: exit {exit}, expected {expected}: {output.ReplaceLineEndings(" ")}");
                }

                if (Leaks(output).Count > 0)
                {
                    problems.Add($"bluegreen {path} with {label}: a token is in the output");
                }
            }
        }

        var haproxyAfter = await stage.SnapshotAsync();
        var stateAfter = await stage.StateAsync();
        var leaked = Leaks(stage.Server.Output);
        report.Record(new ReliabilityCase(
            "auth: every CLI command with no, a wrong or the read token",
            tried,
            tried - problems.Count,
            0,
            0,
            haproxyAfter == haproxyBefore && stateAfter == stateBefore ? "none" : "haproxy or state changed",
            $"{commands.Count} commands from the command tree: exit 5 (unauthorized) without a token, with a wrong one, and with the read token on a command that changes something; read commands exit 0 with the read token; offline commands (haproxy config) exit 0 with any token; no token in any output or in the server log"));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(leaked);
        Assert.Equal(haproxyBefore, haproxyAfter);
        Assert.Equal(stateBefore, stateAfter);
    }

    /// <summary>Which tokens (or long enough parts of them) appear in <paramref name="text"/>.</summary>
    private static List<string> Leaks(string text) =>
        [.. new[] { ServerProcess.AdminToken, ServerProcess.ReadToken, WrongToken }
            .Where(t => text.Contains(t[..16], StringComparison.Ordinal) || text.Contains(t[^16..], StringComparison.Ordinal))];
}
