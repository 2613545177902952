using System.Net;
using System.Text.Json;

namespace BlueGreen.Orleans.Harness;

/// <summary>Sends HTTP requests through an HAProxy frontend with a chosen Host header, as a user's client would.</summary>
public sealed class FrontendClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    public FrontendClient(Uri frontend, TimeSpan? timeout = null)
    {
        // No cookie jar: each request is a new user's unless it carries a cookie itself (a canary's Set-Cookie would
        // otherwise keep every later request on the colour the first one drew).
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), UseCookies = false })
        {
            BaseAddress = frontend,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>GETs <paramref name="path"/> for <paramref name="host"/>; the echo reply when the status is 200.</summary>
    public Task<FrontendReply> GetAsync(string host, string path = "/", CancellationToken cancellationToken = default) =>
        GetAsync(host, new Dictionary<string, string>(), path, cancellationToken);

    /// <summary>GETs <paramref name="path"/> for <paramref name="host"/> with more request headers (a preview header, a cookie…).</summary>
    public async Task<FrontendReply> GetAsync(string host, IReadOnlyDictionary<string, string> headers, string path = "/", CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var echo = response.StatusCode == HttpStatusCode.OK ? JsonSerializer.Deserialize<EchoReply>(body, Json) : null;
        var setCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        return new FrontendReply(response.StatusCode, echo, body, setCookies);
    }

    public void Dispose() => _http.Dispose();
}

public sealed record FrontendReply(HttpStatusCode Status, EchoReply? Echo, string Body, IReadOnlyList<string> SetCookies);

public sealed record EchoReply(string Colour, string Version, string InstanceId, string Method, string Path);
