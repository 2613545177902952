using System.Net;
using System.Net.Http.Headers;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The gateway's door tried the way an attacker would: raw HTTP/2 requests (no generated client) against a real server,
/// for every RPC of the proto, under path spellings that routing may still send to the method (case of package, service
/// and method; trailing and doubled slashes; percent-encoding; dot segments), with no token, a wrong token and the read
/// token. A refused call answers UNAUTHENTICATED or PERMISSION_DENIED (or reaches no method at all) and its handler never
/// runs: the request bodies are valid, so a handler that ran would have changed the fleet, and it must not have.
/// </summary>
public sealed class RawAuthorizationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>, IAsyncLifetime
{
    private const string Service = "auth";
    private const string Proxy = "edge-0";

    // The agents' stream too: no token, a wrong one or the read token never opens it (it takes an agent credential only).
    private static readonly ServiceDescriptor[] BlueGreenServices = [.. V1.BluegreenReflection.Descriptor.Services, V1.Agents.Descriptor];

    private V1.Proxies.ProxiesClient Proxies => new(fixture.Channel);

    private V1.Services.ServicesClient Services => new(fixture.Channel);

    private V1.Deployments.DeploymentsClient Deployments => new(fixture.Channel);

    public async Task InitializeAsync()
    {
        await Proxies.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = Proxy, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        await fixture.StartBlueAsync(Service);
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec { Name = Service, RouteKey = $"{Service}.local", Blue = colour.Clone(), Green = colour.Clone(), LiveVersion = "1" };
        spec.Proxies.Add(Proxy);
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Green });
        await Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, GatewayFixture.Admin);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Spellings of one method's path that an attacker would try; some route to the method, some to nothing.</summary>
    public static IEnumerable<(string Label, string Path)> Variants(string package, string service, string method) =>
    [
        ("exact", $"/{package}.{service}/{method}"),
        ("package capitalised", $"/{char.ToUpperInvariant(package[0])}{package[1..]}.{service}/{method}"),
        ("package as BlueGreen", $"/{package.Replace("bluegreen", "BlueGreen", StringComparison.Ordinal)}.{service}/{method}"),
        ("all upper case", $"/{package}.{service}/{method}".ToUpperInvariant()),
        ("all lower case", $"/{package}.{service}/{method}".ToLowerInvariant()),
        ("trailing slash", $"/{package}.{service}/{method}/"),
        ("leading double slash", $"//{package}.{service}/{method}"),
        ("inner double slash", $"/{package}.{service}//{method}"),
        ("method percent-encoded", $"/{package}.{service}/%{(int)method[0]:X2}{method[1..]}"),
        ("slash percent-encoded", $"/{package}.{service}%2F{method}"),
        ("dot segment", $"/x/../{package}.{service}/{method}"),
        ("query string", $"/{package}.{service}/{method}?x=1"),
    ];

    [Fact]
    public async Task EveryRpc_EveryPathVariant_NoWrongOrReadToken_RefusedAndHandlerNeverRan()
    {
        var before = await StateAsync();
        using var http = RawClient();
        var headerCases = new (string Label, string? Token, bool IsRead)[]
        {
            ("no token", null, false),
            ("wrong token", "wrong-token-0123456789abcdef", false),
            ("read token", ServerProcess.ReadToken, true),
        };
        var problems = new List<string>();
        var tally = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var tried = 0;
        foreach (var service in BlueGreenServices)
        {
            foreach (var method in service.Methods)
            {
                var access = AccessPolicy.Of($"/{service.FullName}/{method.Name}");
                Assert.NotNull(access);
                foreach (var (headerLabel, token, isRead) in headerCases)
                {
                    if (isRead && access == MethodAccess.Read)
                    {
                        continue;
                    }

                    foreach (var (variant, path) in Variants("bluegreen.v1", service.Name, method.Name))
                    {
                        tried++;
                        var answer = await CallAsync(http, path, Body(method.Name), token);
                        var row = $"{headerLabel}, {access} RPCs";
                        tally.TryAdd(row, new Dictionary<string, int>(StringComparer.Ordinal));
                        tally[row][answer.Outcome] = tally[row].GetValueOrDefault(answer.Outcome) + 1;
                        if (!answer.Refused)
                        {
                            problems.Add($"{headerLabel} {variant} {path}: {answer.Outcome} {answer.Message}");
                        }
                    }
                }
            }
        }

        var after = await StateAsync();
        foreach (var (row, outcomes) in tally.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var count = outcomes.Values.Sum();
            var leaked = problems.Count(p => p.StartsWith(row.Split(',')[0], StringComparison.Ordinal));
            AttackLog.Record(
                "gRPC gateway, raw HTTP/2",
                $"{row}: {count} requests, every RPC × {Variants("p", "s", "m").Count()} path spellings (case, / and //, %-encoding, dot segments, query), valid bodies",
                string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} × {o.Value}")) + (after == before ? "; fleet state unchanged" : "; FLEET STATE CHANGED"),
                leaked == 0 && after == before);
        }

        Assert.True(tried > 300, $"only {tried} requests were tried");
        // The spellings that route must have reached the auth check (not only fallen through to UNIMPLEMENTED).
        Assert.True(tally.Values.Sum(t => t.GetValueOrDefault("UNAUTHENTICATED")) > 100, "few requests reached the auth check");
        Assert.True(tally.Values.Sum(t => t.GetValueOrDefault("PERMISSION_DENIED")) > 30, "few read-token requests reached the auth check");
        Assert.True(problems.Count == 0, $"{problems.Count} of {tried} requests were not refused:\n" + string.Join("\n", problems.Take(40)));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task UnlistedOrUnknownMethod_AnyToken_NeverServed()
    {
        using var http = RawClient();

        var unknown = await CallAsync(http, "/bluegreen.v1.Services/DropEverything", [], ServerProcess.AdminToken);
        var otherPackage = await CallAsync(http, "/bluegreen.v2.Services/ListServices", [], ServerProcess.AdminToken);

        AttackLog.Record("gRPC gateway, raw HTTP/2", "admin token on a method that does not exist, and on another package's path", $"{unknown.Outcome}; {otherPackage.Outcome}", !unknown.Served && !otherPackage.Served);
        Assert.False(unknown.Served, unknown.Outcome);
        Assert.False(otherPackage.Served, otherPackage.Outcome);
    }

    [Fact]
    public async Task PublicMethods_NoToken_ServedOnPurpose()
    {
        using var http = RawClient();

        var health = await CallAsync(http, "/grpc.health.v1.Health/Check", [], token: null);

        Assert.Equal("OK", health.Outcome);
        Assert.Equal(MethodAccess.Public, AccessPolicy.Of("/grpc.health.v1.Health/Check"));
    }

    [Fact]
    public async Task ReadRpcs_ReadToken_ServedUnderEveryRoutedSpelling()
    {
        using var http = RawClient();

        var served = await CallAsync(http, "/BlueGreen.v1.Services/ListServices", [], ServerProcess.ReadToken);

        Assert.Equal("OK", served.Outcome);
    }

    /// <summary>What an attacker would send: a valid request, so a handler that ran would change something.</summary>
    private byte[] Body(string method)
    {
        IMessage message = method switch
        {
            "RegisterProxy" => new V1.RegisterProxyRequest { Id = "intruder", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile },
            "RemoveProxy" => new V1.RemoveProxyRequest { Id = Proxy },
            "GetProxy" => new V1.GetProxyRequest { Id = Proxy },
            "ApplyService" => new V1.ApplyServiceRequest { Spec = new V1.ServiceSpec { Name = Service, RouteKey = "stolen.local", Proxies = { Proxy }, LiveVersion = "9" } },
            "DeleteService" => new V1.DeleteServiceRequest { Name = Service },
            "GetService" => new V1.GetServiceRequest { Name = Service },
            "SetMaintenance" => new V1.SetMaintenanceRequest { Name = Service, Enabled = true, Message = "intruder" },
            "Release" => new V1.ReleaseRequest { Service = Service, Version = "666" },
            "Promote" => new V1.PromoteRequest { Service = Service, Options = new V1.DeploymentOptions { KeepWarm = Duration.FromTimeSpan(TimeSpan.Zero) } },
            "Rollback" => new V1.RollbackRequest { Service = Service, Options = new V1.DeploymentOptions { KeepWarm = Duration.FromTimeSpan(TimeSpan.Zero) } },
            "Abort" => new V1.AbortRequest { Service = Service },
            "GetDeployment" => new V1.GetDeploymentRequest { Service = Service, Id = 1 },
            "WatchDeployment" => new V1.WatchDeploymentRequest { Service = Service, Id = 1 },
            "ListDeployments" => new V1.ListDeploymentsRequest { Service = Service },
            "Connect" => new V1.AgentMessage { Hello = new V1.AgentHello { ProxyId = Proxy, AgentVersion = "intruder" } },
            _ => new Empty(),
        };
        return message.ToByteArray();
    }

    /// <summary>Everything a mutating call could change, read with the admin token.</summary>
    private async Task<string> StateAsync()
    {
        var proxies = await Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), GatewayFixture.Admin);
        var services = await Services.ListServicesAsync(new V1.ListServicesRequest(), GatewayFixture.Admin);
        var deployments = new V1.ListDeploymentsResponse();
        try
        {
            deployments = await Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = Service }, GatewayFixture.Admin);
        }
        catch (Grpc.Core.RpcException e)
        {
            return $"deployments of {Service}: {e.StatusCode}";
        }

        var text = string.Join("\n", proxies.Proxies.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => $"{p.Id} {p.RuntimeApi} {p.MapFile} {p.RegisteredBy} {p.RegisteredAt} {p.Routes}"));
        text += "\n" + string.Join("\n", services.Services.Select(s => $"{s.Spec} {s.LiveColour} {s.Versions} {s.AppliedBy} {s.AppliedAt} {s.Maintenance}"));
        return text + "\n" + string.Join("\n", deployments.Deployments.Select(d => $"{d.Id} {d.Kind} {d.Outcome}"));
    }

    private HttpClient RawClient() => new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{fixture.Server.GrpcPort}"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>One gRPC call as bytes on the wire: the path exactly as given, one length-prefixed message.</summary>
    private static async Task<RawAnswer> CallAsync(HttpClient http, string path, byte[] message, string? token)
    {
        var frame = new byte[5 + message.Length];
        frame[1] = (byte)(message.Length >> 24);
        frame[2] = (byte)(message.Length >> 16);
        frame[3] = (byte)(message.Length >> 8);
        frame[4] = (byte)message.Length;
        message.CopyTo(frame, 5);
        var uri = new Uri(http.BaseAddress + path.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(frame),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        }

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        string? Value(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First() : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
        var status = Value("grpc-status");
        return new RawAnswer(response.StatusCode, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Value("grpc-message") ?? string.Empty);
    }

    private sealed record RawAnswer(HttpStatusCode Http, int? GrpcStatus, string Message)
    {
        /// <summary>
        /// Refused by auth (16, 7), or reached no method at all (12, or 404 from routing). Anything else, an HTTP 400
        /// included, is not a refusal this test can vouch for: it means the request was not even a gRPC call.
        /// </summary>
        public bool Refused => GrpcStatus is 16 or 7 or 12 || (GrpcStatus is null && Http == HttpStatusCode.NotFound);

        /// <summary>A handler ran: a gRPC status other than the refusals.</summary>
        public bool Served => GrpcStatus is { } code && code is not (16 or 7 or 12);

        public string Outcome => GrpcStatus switch
        {
            null => $"HTTP {(int)Http}",
            0 => "OK",
            16 => "UNAUTHENTICATED",
            7 => "PERMISSION_DENIED",
            12 => "UNIMPLEMENTED",
            var code => $"gRPC status {code}",
        };
    }
}
