using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Hooks;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlueGreen.Orleans.Grains.Tests.Hooks;

/// <summary>The hook adapter against a real HTTP receiver on 127.0.0.1.</summary>
public sealed class HookSenderTests : IAsyncDisposable
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("s3cret-s3cret-s3cret");

    private readonly HookReceiver _receiver = new();
    private readonly HookSender _sender = new(TimeProvider.System, NullLogger<HookSender>.Instance, TimeSpan.FromMilliseconds(50));

    private static HookPayload Payload() => new()
    {
        Service = "web",
        DeploymentId = 42,
        Kind = "release",
        Event = "before_switch",
        FromColour = "blue",
        ToColour = "green",
        FromVersion = "1.0",
        ToVersion = "2.0",
        Step = "Switch",
        Actor = "ci",
        Outcome = "Running",
        At = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero),
    };

    private HookRequest Request(TimeSpan? timeout = null, int retries = 2, Uri? url = null) =>
        new(url ?? new Uri(_receiver.Url, "before"), timeout ?? TimeSpan.FromSeconds(5), retries, Secret, Payload());

    [Fact]
    public async Task SendAsync_Receiver200_PayloadFieldsAndTimestampedSignatureVerify()
    {
        var delivery = await _sender.SendAsync(Request(), CancellationToken.None);

        Assert.True(delivery.Succeeded);
        Assert.Equal((200, 1), (delivery.StatusCode!.Value, delivery.Attempts));
        var hook = Assert.Single(_receiver.Received);
        Assert.Equal(("POST", "/hooks/before"), (hook.Method, hook.Path));
        Assert.StartsWith("application/json", hook.Header("Content-Type"), StringComparison.Ordinal);

        using var json = JsonDocument.Parse(hook.Body);
        var root = json.RootElement;
        Assert.Equal("web", root.GetProperty("service").GetString());
        Assert.Equal(42, root.GetProperty("deploymentId").GetInt64());
        Assert.Equal("release", root.GetProperty("kind").GetString());
        Assert.Equal("before_switch", root.GetProperty("event").GetString());
        Assert.Equal(("blue", "green"), (root.GetProperty("fromColour").GetString(), root.GetProperty("toColour").GetString()));
        Assert.Equal(("1.0", "2.0"), (root.GetProperty("fromVersion").GetString(), root.GetProperty("toVersion").GetString()));
        Assert.Equal("Switch", root.GetProperty("step").GetString());
        Assert.Equal("ci", root.GetProperty("actor").GetString());
        Assert.Equal(Payload().At, root.GetProperty("at").GetDateTimeOffset());

        // What a receiver does, written out here without the adapter's code: HMAC-SHA256 of "<timestamp>.<body>".
        var timestamp = hook.Header("X-BlueGreen-Timestamp")!;
        Assert.InRange(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Secret, Encoding.ASCII.GetBytes(timestamp + ".").Concat(hook.Body).ToArray()));
        Assert.Equal(expected, hook.Header("X-BlueGreen-Signature"));
        Assert.True(HookSignature.Verify(Secret, timestamp, hook.Body, hook.Header("X-BlueGreen-Signature")));

        // Neither another timestamp (a replay re-dated) nor another key verifies.
        Assert.False(HookSignature.Verify(Secret, (long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), hook.Body, hook.Header("X-BlueGreen-Signature")));
        Assert.False(HookSignature.Verify(Encoding.UTF8.GetBytes("another-key-another-key"), timestamp, hook.Body, hook.Header("X-BlueGreen-Signature")));
        Assert.DoesNotContain("s3cret", string.Join(" ", hook.Headers.Values) + hook.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_First503Then200_RetriedOnceAndSucceeds()
    {
        _receiver.Answer = (hook, _) => Task.FromResult(hook.Number == 1 ? 503 : 200);

        var delivery = await _sender.SendAsync(Request(), CancellationToken.None);

        Assert.True(delivery.Succeeded);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(2, _receiver.Received.Count);
        Assert.Equal(_receiver.Received.First().Text, _receiver.Received.Last().Text);
    }

    [Fact]
    public async Task SendAsync_Always500_StopsAfterTheRetries()
    {
        _receiver.Answer = (_, _) => Task.FromResult(500);

        var delivery = await _sender.SendAsync(Request(retries: 2), CancellationToken.None);

        Assert.False(delivery.Succeeded);
        Assert.Equal((500, 3), (delivery.StatusCode!.Value, delivery.Attempts));
        Assert.Equal(3, _receiver.Received.Count);
    }

    [Fact]
    public async Task SendAsync_ReceiverHolds_EachAttemptCutAtTheTimeout()
    {
        _receiver.Answer = async (_, stop) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stop);
            return 200;
        };

        var delivery = await _sender.SendAsync(Request(TimeSpan.FromMilliseconds(300), retries: 1), CancellationToken.None);

        Assert.False(delivery.Succeeded);
        Assert.Null(delivery.StatusCode);
        Assert.Equal("no answer within 0.3 s", delivery.Error);
        Assert.Equal(2, delivery.Attempts);
        Assert.InRange(delivery.Duration, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task SendAsync_Redirect_NotFollowed()
    {
        _receiver.RedirectTo = new Uri(_receiver.Url, "elsewhere");
        _receiver.Answer = (hook, _) => Task.FromResult(hook.Path.EndsWith("/before", StringComparison.Ordinal) ? 307 : 200);

        var delivery = await _sender.SendAsync(Request(retries: 0), CancellationToken.None);

        Assert.False(delivery.Succeeded);
        Assert.Equal(307, delivery.StatusCode);
        Assert.DoesNotContain(_receiver.Received, h => h.Path.EndsWith("/elsewhere", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_NothingListens_ConnectionErrorAfterEveryAttempt()
    {
        var closed = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/hook");

        var delivery = await _sender.SendAsync(Request(retries: 1, url: closed), CancellationToken.None);

        Assert.False(delivery.Succeeded);
        Assert.Null(delivery.StatusCode);
        Assert.Equal(2, delivery.Attempts);
        Assert.Contains("ConnectionError", delivery.Error, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _sender.Dispose();
        await _receiver.DisposeAsync();
    }
}
