using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The HTTP/JSON API (gRPC JSON transcoding) of a real server process, on its HTTP/1.1 port through a plain HttpClient:
/// the routes of the proto's <c>google.api.http</c> annotations, the same tokens and default-deny rules as gRPC, error
/// bodies of one line, hostile bodies refused with nothing changed, and the OpenAPI document.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "Requests and responses are disposed by using declarations or by HttpClient.")]
public sealed class HttpJsonApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>, IDisposable
{
    private const string Service = "shop";
    private const string ProxyId = "edge-0";

    /// <summary>Every service of bluegreen.proto (the agent's stream has its own proto and no HTTP route).</summary>
    private static readonly ServiceDescriptor[] BlueGreenServices = [.. V1.BluegreenReflection.Descriptor.Services];

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private Uri Url(string path) => new($"http://127.0.0.1:{fixture.Server.HttpPort}{path}");

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            // As curl does for a large body: wait for "100 Continue", so a refusal before the body is read is an answer,
            // not a connection cut while the body is still being sent.
            request.Headers.ExpectContinue = json.Length > 1024 * 1024;
        }

        return await _http.SendAsync(request);
    }

    private string RegisterProxyJson() =>
        JsonFormatter.Default.Format(new V1.RegisterProxyRequest { Id = ProxyId, RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile });

    private V1.ServiceSpec Spec(string name)
    {
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec
        {
            Name = name,
            RouteKey = $"{name}.local",
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(20)),
            LiveVersion = "1",
        };
        spec.Proxies.Add(ProxyId);
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Green });
        return spec;
    }

    private async Task<string> ServiceNamesAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/services", ServerProcess.AdminToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = V1.ListServicesResponse.Parser.ParseJson(await response.Content.ReadAsStringAsync());
        return string.Join(",", list.Services.Select(s => s.Spec.Name).Order(StringComparer.Ordinal));
    }

    /// <summary>An error body: one line of JSON with a message and no stack trace.</summary>
    private static async Task<string> AssertOneLineErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain('\n', body.TrimEnd());
        Assert.False(LooksLikeStackTrace(body), body);
        using var json = JsonDocument.Parse(body);
        var message = json.RootElement.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }

    /// <summary>A frame (<c>at Type.Method(</c>), a source line or an exception's type: what a leaked trace shows.</summary>
    private static bool LooksLikeStackTrace(string body) =>
        System.Text.RegularExpressions.Regex.IsMatch(body, @"\bat [\w.`<>]+\(|\.cs:line |Exception\b");

    [Fact]
    public async Task RegisterAndApply_AdminToken_ThenListedWithReadToken()
    {
        using var registered = await SendAsync(HttpMethod.Post, "/v1/proxies", ServerProcess.AdminToken, RegisterProxyJson());
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        await fixture.StartBlueAsync(Service);
        using var applied = await SendAsync(HttpMethod.Post, "/v1/services", ServerProcess.AdminToken, JsonFormatter.Default.Format(Spec(Service)));
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);

        using var proxies = await SendAsync(HttpMethod.Get, "/v1/proxies", ServerProcess.ReadToken);
        using var service = await SendAsync(HttpMethod.Get, $"/v1/services/{Service}", ServerProcess.ReadToken);
        using var deployments = await SendAsync(HttpMethod.Get, $"/v1/services/{Service}/deployments", ServerProcess.ReadToken);

        Assert.Equal(HttpStatusCode.OK, proxies.StatusCode);
        Assert.Contains(V1.ListProxiesResponse.Parser.ParseJson(await proxies.Content.ReadAsStringAsync()).Proxies, p => p.Id == ProxyId && p.Reachable);
        Assert.Equal(HttpStatusCode.OK, service.StatusCode);
        var raw = await service.Content.ReadAsStringAsync();
        var got = V1.Service.Parser.ParseJson(raw);
        // Compact proto JSON, enums by name: what the README's `grep -o '"liveColour":"COLOUR_GREEN"'` relies on.
        Assert.Contains("\"liveColour\":\"COLOUR_BLUE\"", raw, StringComparison.Ordinal);
        Assert.Equal($"{Service}.local", got.Spec.RouteKey);
        Assert.Contains(Service, await ServiceNamesAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, deployments.StatusCode);
    }

    [Fact]
    public async Task EveryHttpRoute_NoTokenOrReadTokenOnAdmin_401Or403AndNothingChanged()
    {
        var before = await ServiceNamesAsync();
        var problems = new List<string>();
        var tried = 0;
        foreach (var (method, rule) in Routes())
        {
            var (verb, template) = VerbAndPath(rule);
            var path = System.Text.RegularExpressions.Regex.Replace(template, "{[^}]+}", "x1");
            var body = rule.Body.Length > 0 ? "{}" : null;
            var access = AccessPolicy.Of($"/{method.Service.FullName}/{method.Name}");

            using var anonymous = await SendAsync(new HttpMethod(verb), path, null, body);
            tried++;
            if (anonymous.StatusCode != HttpStatusCode.Unauthorized)
            {
                problems.Add($"{verb} {path} without a token: {(int)anonymous.StatusCode}");
            }
            else
            {
                await AssertOneLineErrorAsync(anonymous);
            }

            using var wrong = await SendAsync(new HttpMethod(verb), path, "wrong-token-0123456789abcdef", body);
            tried++;
            if (wrong.StatusCode != HttpStatusCode.Unauthorized)
            {
                problems.Add($"{verb} {path} with a wrong token: {(int)wrong.StatusCode}");
            }

            if (access == MethodAccess.Admin)
            {
                using var read = await SendAsync(new HttpMethod(verb), path, ServerProcess.ReadToken, body);
                tried++;
                if (read.StatusCode != HttpStatusCode.Forbidden)
                {
                    problems.Add($"{verb} {path} with the read token: {(int)read.StatusCode}");
                }
                else
                {
                    Assert.Contains("admin token", await AssertOneLineErrorAsync(read), StringComparison.Ordinal);
                }
            }
            else if (access != MethodAccess.Read)
            {
                problems.Add($"{method.FullName} is {access?.ToString() ?? "in no list"}");
            }
        }

        var after = await ServiceNamesAsync();
        AttackLog.Record("HTTP/JSON API auth", $"{tried} requests to every HTTP route of the proto without a token, with a wrong token and (admin routes) with the read token", $"{problems.Count} not refused with 401/403; services before '{before}', after '{after}'", problems.Count == 0 && before == after);
        Assert.Empty(problems);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task GetCaller_EachToken_ItsNameAndRoleNeverTheToken()
    {
        using var read = await SendAsync(HttpMethod.Get, "/v1/whoami", ServerProcess.ReadToken);
        using var admin = await SendAsync(HttpMethod.Get, "/v1/whoami", ServerProcess.AdminToken);
        using var none = await SendAsync(HttpMethod.Get, "/v1/whoami", null);
        var readBody = await read.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(new V1.CallerInfo { Name = ServerProcess.ReadTokenName, Role = V1.TokenRole.Read }, V1.CallerInfo.Parser.ParseJson(readBody));
        Assert.Equal(new V1.CallerInfo { Name = ServerProcess.AdminTokenName, Role = V1.TokenRole.Admin }, V1.CallerInfo.Parser.ParseJson(await admin.Content.ReadAsStringAsync()));
        Assert.DoesNotContain(ServerProcess.ReadToken, readBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Fact]
    public async Task UnknownPathsAndMethods_AnyToken_NeverServed()
    {
        var cases = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "/v1/nothing"),
            (HttpMethod.Get, "/v2/services"),
            (HttpMethod.Patch, "/v1/services"),
            (HttpMethod.Put, "/v1/proxies"),
            (HttpMethod.Delete, "/v1/services"),
            (HttpMethod.Get, "/v1/services/x/release"),
            (HttpMethod.Post, "/bluegreen.v1.Services/ListServices"),
        };
        var served = new List<string>();
        foreach (var (method, path) in cases)
        {
            using var response = await SendAsync(method, path, ServerProcess.AdminToken, method == HttpMethod.Get ? null : "{}");
            // Routing answers 404 (no such path) or 405 (no such verb on a path); a gRPC path over HTTP/1.1 is refused
            // by gRPC itself. Anything else reached a handler.
            if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UpgradeRequired))
            {
                served.Add($"{method} {path}: {(int)response.StatusCode}");
            }
        }

        AttackLog.Record("HTTP/JSON API routing", $"{cases.Length} unknown paths and verbs (other version, PATCH/PUT/DELETE on collections, a gRPC path over HTTP/1.1) with the admin token", $"served: {served.Count}", served.Count == 0);
        Assert.Empty(served);
    }

    [Fact]
    public async Task ApplyService_RouteKeyOfAnotherService_409AndNotApplied()
    {
        using var registered = await SendAsync(HttpMethod.Post, "/v1/proxies", ServerProcess.AdminToken, RegisterProxyJson());
        await fixture.StartBlueAsync(Service);
        using var applied = await SendAsync(HttpMethod.Post, "/v1/services", ServerProcess.AdminToken, JsonFormatter.Default.Format(Spec(Service)));
        var thief = Spec("cart");
        thief.RouteKey = $"{Service}.local";
        // Nothing to adopt: with a live version it would first try to adopt the colour shop.local serves, at shop's ports
        // (shop's blue, started by the test as root, is refused as not the instances' user), and the answer would
        // depend on whether an earlier test of the class had released shop to green.
        thief.LiveVersion = string.Empty;

        using var refused = await SendAsync(HttpMethod.Post, "/v1/services", ServerProcess.AdminToken, JsonFormatter.Default.Format(thief));

        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(Service, await AssertOneLineErrorAsync(refused), StringComparison.Ordinal);
        Assert.DoesNotContain("cart", await ServiceNamesAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetService_Unknown_404WithOneLineJsonError()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/services/nosuch", ServerProcess.ReadToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nosuch", await AssertOneLineErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryParameters_ByJsonName_ParsedAsDocumented()
    {
        using var keep = await SendAsync(HttpMethod.Delete, "/v1/services/nosuch?keepInstances=true", ServerProcess.AdminToken);
        using var notABool = await SendAsync(HttpMethod.Delete, "/v1/services/nosuch?keepInstances=maybe", ServerProcess.AdminToken);
        using var all = await SendAsync(HttpMethod.Get, "/v1/instances", ServerProcess.ReadToken);
        using var unknown = await SendAsync(HttpMethod.Get, "/v1/instances?services=nosuch&services=other", ServerProcess.ReadToken);
        using var badName = await SendAsync(HttpMethod.Get, "/v1/instances?services=a%3Bb", ServerProcess.ReadToken);

        Assert.Equal(HttpStatusCode.NotFound, keep.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notABool.StatusCode);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("nosuch", await AssertOneLineErrorAsync(unknown), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        await AssertOneLineErrorAsync(badName);
    }

    [Fact]
    public async Task HostileBodies_AdminToken_400AndNothingChanged()
    {
        var before = await ServiceNamesAsync();
        var huge = JsonFormatter.Default.Format(Spec("huge")).Replace("\"huge.local\"", "\"" + new string('a', 2 * 1024 * 1024) + "\"", StringComparison.Ordinal);
        var bodies = new (string Label, string Path, string Json)[]
        {
            ("malformed JSON", "/v1/services", "{\"name\": \"mail\", "),
            ("not an object", "/v1/services", "[1,2,3]"),
            ("unknown field", "/v1/services", "{\"name\":\"mail\",\"shell\":\"rm -rf /\"}"),
            ("2 MB route key", "/v1/services", huge),
            ("';' in the name", "/v1/services", JsonFormatter.Default.Format(Spec("mail;reload"))),
            ("newline in the name", "/v1/services", JsonFormatter.Default.Format(Spec("mail\nx"))),
            ("';' in a route key", "/v1/services", JsonFormatter.Default.Format(Spec("mail")).Replace("mail.local", "mail.local; del map", StringComparison.Ordinal)),
            ("';' in a proxy id", "/v1/proxies", RegisterProxyJson().Replace(ProxyId, "edge;x", StringComparison.Ordinal)),
            ("newline in a version", $"/v1/services/{Service}/release", "{\"version\":\"2\\nshutdown\"}"),
        };
        var problems = new List<string>();
        foreach (var (label, path, json) in bodies)
        {
            using var response = await SendAsync(HttpMethod.Post, path, ServerProcess.AdminToken, json);
            if (response.StatusCode is not (HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge))
            {
                problems.Add($"{label}: {(int)response.StatusCode}");
                continue;
            }

            var body = await response.Content.ReadAsStringAsync();
            if (body.TrimEnd().Contains('\n', StringComparison.Ordinal) || LooksLikeStackTrace(body) || body.Length > 1000)
            {
                problems.Add($"{label}: error body not one short line ({body.Length} chars)");
            }
        }

        using var proxies = await SendAsync(HttpMethod.Get, "/v1/proxies", ServerProcess.ReadToken);
        var proxyIds = string.Join(",", V1.ListProxiesResponse.Parser.ParseJson(await proxies.Content.ReadAsStringAsync()).Proxies.Select(p => p.Id));
        var after = await ServiceNamesAsync();
        AttackLog.Record("HTTP/JSON API bodies", $"{bodies.Length} hostile JSON bodies with the admin token: malformed, not an object, unknown field, 2 MB, ';' and newline in names, keys and versions", $"{problems.Count} not refused with a one-line 400; services before '{before}', after '{after}'; proxies '{proxyIds}'", problems.Count == 0 && before == after && !proxyIds.Contains(';', StringComparison.Ordinal));
        Assert.Empty(problems);
        Assert.Equal(before, after);
        Assert.DoesNotContain(';', proxyIds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RegisterProxy_BodyOver1MB_400TooLargeAndNothingRegistered(bool chunked)
    {
        var json = JsonFormatter.Default.Format(new V1.RegisterProxyRequest { Id = "edge-big", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile })
            .Replace("\"id\"", "\"labels\":{\"k\":\"" + new string('v', 3 * 1024 * 1024) + "\"},\"id\"", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("/v1/proxies"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServerProcess.AdminToken);
        // Unbuffered content has no length: sent chunked, so only the bytes read count, not a Content-Length header.
        request.Content = chunked ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))) : new StringContent(json, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = chunked;
        request.Headers.ExpectContinue = true;

        // Chunked, the length shows only once 1 MB was read: the gateway answers 400 then, and may close the connection
        // while the rest is still being sent, which the client sees as a cut connection instead of the answer.
        HttpResponseMessage? response = null;
        string? cut = null;
        try
        {
            response = await _http.SendAsync(request);
        }
        catch (HttpRequestException e) when (chunked && e.InnerException is IOException)
        {
            cut = e.Message;
        }

        using var answered = response;
        using var proxies = await SendAsync(HttpMethod.Get, "/v1/proxies", ServerProcess.ReadToken);
        var ids = V1.ListProxiesResponse.Parser.ParseJson(await proxies.Content.ReadAsStringAsync()).Proxies.Select(p => p.Id).ToList();

        var outcome = response is null ? $"connection cut mid-body ({cut})" : $"HTTP {(int)response.StatusCode}";
        AttackLog.Record("HTTP/JSON API bodies", $"a 3 MB JSON body ({(chunked ? "chunked" : "with Content-Length")}) to POST /v1/proxies with the admin token", $"{outcome}; registered: {ids.Contains("edge-big")}", (response is null || response.StatusCode == HttpStatusCode.BadRequest) && !ids.Contains("edge-big"));
        Assert.DoesNotContain("edge-big", ids);
        if (response is not null)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("too large", await AssertOneLineErrorAsync(response), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OpenApiDocument_NoToken_ListsEveryHttpRoute()
    {
        using var response = await SendAsync(HttpMethod.Get, "/openapi/v1.json", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");

        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        var missing = new List<string>();
        foreach (var (method, rule) in Routes())
        {
            var (verb, template) = VerbAndPath(rule);
            if (!paths.TryGetProperty(template, out var operations) || !operations.TryGetProperty(verb.ToLowerInvariant(), out _))
            {
                missing.Add($"{verb} {template} ({method.FullName})");
            }
        }

        Assert.Empty(missing);
    }

    [Fact]
    public void EveryRpc_HasAnHttpRoute()
    {
        var methods = BlueGreenServices.SelectMany(s => s.Methods).Select(m => m.FullName).ToList();

        Assert.Equal(methods, Routes().Select(r => r.Method.FullName));
        Assert.Equal(19, methods.Count);
    }

    /// <summary>Every method of the proto's services with its <c>google.api.http</c> rule, in proto order.</summary>
    private static IEnumerable<(MethodDescriptor Method, HttpRule Rule)> Routes() =>
        BlueGreenServices.SelectMany(s => s.Methods)
            .Select(m => (m, m.GetOptions()?.GetExtension(AnnotationsExtensions.Http)))
            .Where(r => r.Item2 is not null)
            .Select(r => (r.m, r.Item2!));

    private static (string Verb, string Path) VerbAndPath(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
        HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
        HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
        HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
        HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
        _ => throw new InvalidOperationException($"unexpected HTTP rule {rule}"),
    };
}
