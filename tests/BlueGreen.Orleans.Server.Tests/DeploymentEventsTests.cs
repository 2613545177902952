using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The deployment watch as server-sent events (<c>GET …/deployments/{id}/events</c>, what the web view follows) on a real
/// server: admitted exactly as the WatchDeployment RPC (token in the Authorization header only, read access), every
/// step of a real release as it happens, then an <c>end</c> event.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "Requests and responses are disposed by using declarations.")]
public sealed class DeploymentEventsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>, IDisposable
{
    private const string Service = "cart";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public void Dispose() => _http.Dispose();

    private Uri Events(string service, string id, string query = "") =>
        new($"http://127.0.0.1:{fixture.Server.HttpPort}/v1/services/{service}/deployments/{id}/events{query}");

    private async Task<HttpResponseMessage> OpenAsync(Uri url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private async Task<long> ReleaseAsync()
    {
        var proxies = new V1.Proxies.ProxiesClient(fixture.Channel);
        await proxies.RegisterProxyAsync(new V1.RegisterProxyRequest { Id = "edge-0", RuntimeApi = fixture.Proxy.RuntimeApi.ToString(), MapFile = fixture.Proxy.MapFile }, GatewayFixture.Admin);
        await fixture.StartBlueAsync(Service);
        var colour = new V1.ColourSpec { Runtime = "process", Command = EchoInstance.Dotnet };
        colour.Arguments.AddRange(EchoInstance.TemplateArguments);
        var spec = new V1.ServiceSpec
        {
            Name = Service,
            RouteKey = $"{Service}.local",
            Blue = colour.Clone(),
            Green = colour.Clone(),
            HealthTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(20)),
            DrainTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            KeepWarm = Duration.FromTimeSpan(TimeSpan.Zero),
            LiveVersion = "1",
        };
        spec.Proxies.Add("edge-0");
        spec.Blue.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Blue });
        spec.Green.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = fixture.Ports[Service].Green });
        await new V1.Services.ServicesClient(fixture.Channel).ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec }, GatewayFixture.Admin);
        var release = await new V1.Deployments.DeploymentsClient(fixture.Channel).ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "2" }, GatewayFixture.Admin);
        return release.Id;
    }

    /// <summary>Every event of a stream until the server closes it: (kind, data).</summary>
    private static async Task<List<(string Kind, string Data)>> ReadAllAsync(HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string, string)>();
        string kind = "message", data = string.Empty;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                events.Add((kind, data));
                (kind, data) = ("message", string.Empty);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kind = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        return events;
    }

    [Fact]
    public async Task Events_ReadToken_EveryStepOfARealReleaseThenEnd()
    {
        var id = await ReleaseAsync();

        using var response = await OpenAsync(Events(Service, id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ServerProcess.ReadToken);
        var events = await ReadAllAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("end", events[^1].Kind);
        var updates = events.Where(e => e.Kind == "update").Select(e => V1.DeploymentUpdate.Parser.ParseJson(e.Data)).ToList();
        Assert.True(updates.Count >= 2, $"only {updates.Count} updates");
        var steps = updates.SelectMany(u => u.Events).Select(e => e.Step).Distinct().ToList();
        V1.DeploymentStep[] expected = [V1.DeploymentStep.Provision, V1.DeploymentStep.AwaitHealthy, V1.DeploymentStep.Switch, V1.DeploymentStep.Done];
        Assert.Equal(expected, steps.Where(expected.Contains));
        // Each event once, in order: every update carries only the events since the previous one.
        var sequences = updates.SelectMany(u => u.Events).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count), sequences);
        Assert.Equal(V1.DeploymentOutcome.Succeeded, updates[^1].Deployment.Outcome);
        Assert.NotNull(Assert.Single(updates[^1].Deployment.Proxies).SwitchedAt);
    }

    [Fact]
    public async Task Events_NoTokenWrongTokenOrTokenInTheUrl_401AndNoStream()
    {
        var cases = new (string Label, Uri Url, string? Token)[]
        {
            ("no token", Events(Service, "1"), null),
            ("a wrong token", Events(Service, "1"), "wrong-token-0123456789abcdef"),
            ("the read token in the query string", Events(Service, "1", $"?access_token={ServerProcess.ReadToken}"), null),
            ("the read token as a query 'token'", Events(Service, "1", $"?token={ServerProcess.ReadToken}"), null),
            ("an agent-style header", Events(Service, "1"), "agent:edge-0:0123456789abcdef0123456789abcdef"),
            ("no token, path spelled in capitals", new Uri($"http://127.0.0.1:{fixture.Server.HttpPort}/V1/SERVICES/{Service}/DEPLOYMENTS/1/EVENTS"), null),
        };
        var problems = new List<string>();
        foreach (var (label, url, token) in cases)
        {
            using var response = await OpenAsync(url, token);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Unauthorized || response.Content.Headers.ContentType?.MediaType == "text/event-stream" || body.Contains("event:", StringComparison.Ordinal))
            {
                problems.Add($"{label}: {(int)response.StatusCode} {body}");
                continue;
            }

            using var json = JsonDocument.Parse(body);
            Assert.Contains("bearer token", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        AttackLog.Record("HTTP deployment events (server-sent events)", $"{cases.Length} requests for a deployment's events without a valid Authorization header: none, wrong, the token in the URL's query, an agent-style credential, the path in capitals", $"{problems.Count} not refused with 401 before any event", problems.Count == 0);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("nosuch", "1", HttpStatusCode.NotFound, "nosuch")]
    [InlineData(Service, "abc", HttpStatusCode.BadRequest, "id")]
    [InlineData(Service, "0", HttpStatusCode.BadRequest, "id")]
    [InlineData("a%3Bb", "1", HttpStatusCode.BadRequest, "service")]
    public async Task Events_UnknownOrInvalid_StatusAndOneLineJsonError(string service, string id, HttpStatusCode expected, string named)
    {
        using var response = await OpenAsync(Events(service, id), ServerProcess.ReadToken);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain('\n', body.TrimEnd());
        using var json = JsonDocument.Parse(body);
        Assert.Contains(named, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
