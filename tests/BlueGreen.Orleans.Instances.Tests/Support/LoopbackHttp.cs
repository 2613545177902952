using System.Net;
using System.Net.Sockets;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Instances.Tests.Support;

/// <summary>HTTP to 127.0.0.x only, never through a proxy from the environment (HTTP_PROXY would send it elsewhere).</summary>
internal static class LoopbackHttp
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    public static Uri At(int port, string path = "/", string address = "127.0.0.1") => new($"http://{address}:{port}{path}");

    /// <summary>Polls until a GET answers (the program needs a moment to bind), then returns status and body.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> GetEventuallyAsync(int port, string path = "/", TimeSpan? timeout = null, string address = "127.0.0.1")
    {
        var (status, body) = await Eventually.UntilAsync(
            () => TryGetAsync(port, path, address),
            answer => answer.Status is not null,
            timeout ?? TimeSpan.FromSeconds(15),
            $"an HTTP answer from {address}:{port}{path}");
        return (status!.Value, body);
    }

    private static async Task<(HttpStatusCode? Status, string Body)> TryGetAsync(int port, string path, string address)
    {
        try
        {
            using var response = await Client.GetAsync(At(port, path, address));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (null, "");
        }
        catch (TaskCanceledException)
        {
            // The client's own timeout: not listening yet, or not answering.
            return (null, "");
        }
    }

    public static async Task<bool> IsClosedAsync(int port, string address = "127.0.0.1")
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Parse(address), port);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }
}
