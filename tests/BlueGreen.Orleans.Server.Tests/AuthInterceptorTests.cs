using BlueGreen.Orleans.Gateway;
using BlueGreen.Orleans.Gateway.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The auth interceptor on every kind of handler, with the endpoint's method metadata as the only input that decides:
/// the request path (<see cref="ServerCallContext.Method"/>) says something else on purpose and must not matter.
/// </summary>
public sealed class AuthInterceptorTests
{
    private const string AdminToken = "admin-token-for-unit-tests-0001";
    private const string ReadToken = "read-token-for-unit-tests-00001";

    private static readonly Marshaller<Empty> Marshaller = Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom);

    public static TheoryData<MethodType> Kinds => [MethodType.Unary, MethodType.ClientStreaming, MethodType.ServerStreaming, MethodType.DuplexStreaming];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Handler_AdminMethodBoundWhilePathLooksPublic_DecidedByBoundMethod(MethodType kind)
    {
        var bound = Method(kind, "bluegreen.v1.Services", "ApplyService");

        var none = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, bound, token: null, path: "/grpc.health.v1.Health/Check"));
        var read = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, bound, ReadToken, path: "/grpc.health.v1.Health/Check"));
        var admin = await InvokeAsync(kind, bound, AdminToken, path: "/anything");

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, read.StatusCode);
        Assert.Equal(new Caller("unit-admin", TokenRole.Admin), admin);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Handler_MethodInNoList_RefusedEvenToAdmin(MethodType kind)
    {
        var unlisted = Method(kind, "bluegreen.v1.Agents", "Disconnect");

        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, unlisted, AdminToken, path: "/bluegreen.v1.Deployments/ListDeployments"));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Handler_NoEndpointMetadata_Refused(MethodType kind)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, bound: null, AdminToken, path: "/bluegreen.v1.Services/ListServices"));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Handler_PublicMethod_NoTokenServedWithoutCaller()
    {
        var health = Method(MethodType.Unary, "grpc.health.v1.Health", "Check");

        var caller = await InvokeAsync(MethodType.Unary, health, token: null, path: "/grpc.health.v1.Health/Check");

        Assert.Null(caller);
    }

    [Fact]
    public void AccessPolicy_EveryRpcOfTheProto_ListedAndNothingElseOfOurs()
    {
        // Every service of both protos, from their descriptors: a new service is checked without editing a list here.
        var rpcs = V1.BluegreenReflection.Descriptor.Services.Concat(V1.AgentReflection.Descriptor.Services)
            .SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}"))
            .ToHashSet(StringComparer.Ordinal);
        var listed = AccessPolicy.All.Keys.Where(k => k.StartsWith("/bluegreen.", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(rpcs.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.All(AccessPolicy.All.Where(a => a.Value == MethodAccess.Public), a => Assert.StartsWith("/grpc.", a.Key, StringComparison.Ordinal));
        // The agents' one method, and nothing else, is opened by an agent credential.
        Assert.Equal(["/bluegreen.v1.Agents/Connect"], AccessPolicy.All.Where(a => a.Value == MethodAccess.Agent).Select(a => a.Key));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Handler_AgentMethodWithAdminOrReadToken_Unauthenticated(MethodType kind)
    {
        var connect = Method(kind, "bluegreen.v1.Agents", "Connect");

        var admin = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, connect, AdminToken, path: "/bluegreen.v1.Agents/Connect"));
        var read = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, connect, ReadToken, path: "/bluegreen.v1.Agents/Connect"));
        var none = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, connect, token: null, path: "/bluegreen.v1.Agents/Connect"));

        Assert.Equal(StatusCode.Unauthenticated, admin.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, read.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
    }

    [Fact]
    public async Task Handler_AgentMethodWithCurrentCredential_AdmittedAsItsProxy()
    {
        var (credential, issued) = AgentCredential.Issue("edge-a");
        var connect = Method(MethodType.DuplexStreaming, "bluegreen.v1.Agents", "Connect");

        var admitted = await InvokeAgentAsync(connect, credential, current: issued);
        var revoked = await Assert.ThrowsAsync<RpcException>(() => InvokeAgentAsync(connect, credential, current: AgentCredential.Issue("edge-a").Parsed));

        Assert.Equal("edge-a", admitted.ProxyId);
        Assert.Equal(StatusCode.Unauthenticated, revoked.StatusCode);
        Assert.DoesNotContain(credential, revoked.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Handler_AgentCredentialOnReadOrAdminMethod_Unauthenticated(MethodType kind)
    {
        var (credential, issued) = AgentCredential.Issue("edge-a");

        var read = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, Method(kind, "bluegreen.v1.Proxies", "ListProxies"), credential, path: "/bluegreen.v1.Proxies/ListProxies", current: issued));
        var admin = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(kind, Method(kind, "bluegreen.v1.Proxies", "RegisterProxy"), credential, path: "/bluegreen.v1.Proxies/RegisterProxy", current: issued));

        Assert.Equal(StatusCode.Unauthenticated, read.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, admin.StatusCode);
    }

    [Fact]
    public void AgentCredential_Shapes_OnlyTheIssuedShapeParsesAndItsDigestIsStable()
    {
        var (credential, issued) = AgentCredential.Issue("edge.a:1");

        Assert.Equal(issued, AgentCredential.FromHeader("Bearer " + credential));
        Assert.Equal("edge.a:1", issued.ProxyId);
        Assert.Null(AgentCredential.FromHeader(credential));
        Assert.Null(AgentCredential.FromHeader("Bearer " + AdminToken));
        Assert.Null(AgentCredential.FromHeader("Bearer " + credential[..^1]));
        Assert.Null(AgentCredential.FromHeader("Bearer " + credential.ToUpperInvariant()));
        Assert.Null(AgentCredential.FromHeader("Bearer bga1.edge;x." + credential[^64..]));
        Assert.NotEqual(credential, AgentCredential.Issue("edge.a:1").Credential);
    }

    [Fact]
    public void Tokens_ConfigProblems_AllListedWithoutTheirValues()
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, AdminToken + "\n");
        try
        {
            var tokens = GatewayTokens.Load(
                new Dictionary<string, GatewayTokenOptions>
                {
                    ["from-file"] = new() { Role = TokenRole.Admin, File = file },
                    ["twin"] = new() { Role = TokenRole.Read, Value = AdminToken },
                    ["short"] = new() { Role = TokenRole.Read, Value = "short-secret" },
                    ["bad name!"] = new() { Role = TokenRole.Read, Value = ReadToken },
                    ["both"] = new() { Role = TokenRole.Read, Value = ReadToken, File = file },
                    ["missing"] = new() { Role = TokenRole.Read, File = "/nonexistent/token" },
                },
                out var errors);

            Assert.Equal(5, errors.Count);
            Assert.Contains(errors, e => e.Contains("from-file and twin hold the same token", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.Contains("Gateway:Tokens:short", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.Contains("Gateway:Tokens:bad name!", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.Contains("Gateway:Tokens:both", StringComparison.Ordinal));
            Assert.Contains(errors, e => e.Contains("Gateway:Tokens:missing:File", StringComparison.Ordinal));
            Assert.DoesNotContain(errors, e => e.Contains(AdminToken, StringComparison.Ordinal) || e.Contains("short-secret", StringComparison.Ordinal));
            Assert.NotNull(tokens.Authenticate("bearer " + AdminToken));
            Assert.Null(tokens.Authenticate("Bearer " + AdminToken[..^1]));
            Assert.Null(tokens.Authenticate(AdminToken));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("192.0.2.10", false, false)]
    [InlineData("::ffff:192.0.2.10", false, false)]
    [InlineData("192.0.2.10", true, true)]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("::1", false, true)]
    public async Task Handler_CleartextConnection_ServedOffLoopbackOnlyWhenInsecureAllowed(string local, bool allowInsecure, bool served)
    {
        var bound = Method(MethodType.Unary, "bluegreen.v1.Services", "ListServices");
        var health = Method(MethodType.Unary, "grpc.health.v1.Health", "Check");
        var address = System.Net.IPAddress.Parse(local);

        var call = () => InvokeAsync(MethodType.Unary, bound, ReadToken, "/bluegreen.v1.Services/ListServices", address, allowInsecure);
        var probe = await Record.ExceptionAsync(() => InvokeAsync(MethodType.Unary, health, token: null, "/grpc.health.v1.Health/Check", address, allowInsecure));

        if (served)
        {
            Assert.Equal(new Caller("unit-reader", TokenRole.Read), await call());
        }
        else
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
            Assert.Contains("loopback", error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Null(probe);
    }

    private static Method<Empty, Empty> Method(MethodType kind, string service, string name) => new(kind, service, name, Marshaller, Marshaller);

    /// <summary>Runs the interceptor's handler of that kind around a continuation that reports the caller it was given.</summary>
    private static async Task<Caller?> InvokeAsync(MethodType kind, Method<Empty, Empty>? bound, string? token, string path, System.Net.IPAddress? local = null, bool allowInsecure = false, AgentCredential? current = null)
    {
        var tokens = GatewayTokens.Load(
            new Dictionary<string, GatewayTokenOptions>
            {
                ["unit-admin"] = new() { Role = TokenRole.Admin, Value = AdminToken },
                ["unit-reader"] = new() { Role = TokenRole.Read, Value = ReadToken },
            },
            out var errors);
        Assert.Empty(errors);
        var interceptor = new AuthInterceptor(tokens, new FixedAgentCredentials(current), Options.Create(new GrpcGatewayOptions { AllowInsecure = allowInsecure }), NullLogger<AuthInterceptor>.Instance);
        var context = new FakeCallContext(path, token, bound);
        context.GetHttpContext().Connection.LocalIpAddress = local;
        Caller? Seen(ServerCallContext c) => c.UserState.ContainsKey("bluegreen.caller") ? Caller.Of(c) : null;
        Caller? seen = null;
        switch (kind)
        {
            case MethodType.Unary:
                await interceptor.UnaryServerHandler(new Empty(), context, (_, c) => { seen = Seen(c); return Task.FromResult(new Empty()); });
                break;
            case MethodType.ClientStreaming:
                await interceptor.ClientStreamingServerHandler<Empty, Empty>(null!, context, (_, c) => { seen = Seen(c); return Task.FromResult(new Empty()); });
                break;
            case MethodType.ServerStreaming:
                await interceptor.ServerStreamingServerHandler<Empty, Empty>(new Empty(), null!, context, (_, _, c) => { seen = Seen(c); return Task.CompletedTask; });
                break;
            default:
                await interceptor.DuplexStreamingServerHandler<Empty, Empty>(null!, null!, context, (_, _, c) => { seen = Seen(c); return Task.CompletedTask; });
                break;
        }

        return seen;
    }

    /// <summary>The duplex handler with an agent credential; returns the agent it admitted.</summary>
    private static async Task<AgentCaller> InvokeAgentAsync(Method<Empty, Empty> bound, string credential, AgentCredential current)
    {
        var tokens = GatewayTokens.Load(new Dictionary<string, GatewayTokenOptions>(), out _);
        var interceptor = new AuthInterceptor(tokens, new FixedAgentCredentials(current), Options.Create(new GrpcGatewayOptions()), NullLogger<AuthInterceptor>.Instance);
        var context = new FakeCallContext(bound.FullName, credential, bound);
        AgentCaller? seen = null;
        await interceptor.DuplexStreamingServerHandler<Empty, Empty>(null!, null!, context, (_, _, c) => { seen = AgentCaller.Of(c); return Task.CompletedTask; });
        return seen!;
    }

    /// <summary>The proxy grains' answer, fixed: only <c>current</c> is a current credential.</summary>
    private sealed class FixedAgentCredentials(AgentCredential? current) : AgentCredentials(null!)
    {
        public override Task<bool> IsCurrentAsync(AgentCredential credential) => Task.FromResult(credential == current);
    }
}
