using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace BlueGreen.Orleans.Hooks;

/// <summary>
/// Calls hooks: one signed JSON POST per attempt, each attempt cut at the hook's timeout, retried with exponential
/// backoff (Polly) on a connection failure, a timeout or an answer other than 2xx, at most the hook's retries. Never
/// follows a redirect (a 3xx is an answer that is not 2xx: the receiver's address is what the spec says, nothing else),
/// uses no proxy from the environment, keeps no cookies, reads no body. Logs URLs without their query, never the secret.
/// </summary>
public sealed partial class HookSender : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retryDelay;
    private readonly ILogger<HookSender> _logger;

    /// <param name="retryDelay">The first retry's delay; each next one doubles it (with jitter).</param>
    public HookSender(TimeProvider time, ILogger<HookSender> logger, TimeSpan? retryDelay = null)
    {
        _time = time;
        _logger = logger;
        _retryDelay = retryDelay ?? TimeSpan.FromSeconds(1);
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            // Each attempt is cut by the pipeline's timeout instead.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("bluegreen-hooks", "1"));
    }

    public static byte[] Serialize(HookPayload payload) => JsonSerializer.SerializeToUtf8Bytes(payload, Json);

    /// <summary>Calls the hook until it answers 2xx or its attempts are spent. Throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task<HookDelivery> SendAsync(HookRequest request, CancellationToken cancellationToken)
    {
        var body = Serialize(request.Payload);
        var started = _time.GetTimestamp();
        var attempts = 0;
        string? error = null;
        int? status = null;
        try
        {
            status = await Pipeline(request).ExecuteAsync(
                async token =>
                {
                    attempts++;
                    return await AttemptAsync(request, body, token);
                },
                cancellationToken);
        }
        catch (TimeoutRejectedException)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"no answer within {request.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            error = e.HttpRequestError == HttpRequestError.Unknown ? e.Message : $"{e.HttpRequestError}: {e.Message}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = "the request was cancelled";
        }

        var delivery = new HookDelivery(status, error, attempts, _time.GetElapsedTime(started));
        var shown = Shown(request.Url);
        if (delivery.Succeeded)
        {
            Log.Delivered(_logger, request.Payload.Service, request.Payload.Event, shown, status!.Value, attempts);
        }
        else
        {
            Log.NotDelivered(_logger, request.Payload.Service, request.Payload.Event, shown, status?.ToString(CultureInfo.InvariantCulture) ?? error ?? "?", attempts);
        }

        return delivery;
    }

    /// <summary>The URL as events and logs show it: without its query, which might carry a token.</summary>
    public static string Shown(Uri url) => url.GetLeftPart(UriPartial.Path);

    private async Task<int> AttemptAsync(HookRequest request, byte[] body, CancellationToken cancellationToken)
    {
        // Signed per attempt: a retry carries a fresh timestamp, so a receiver's replay window holds for retries too.
        var timestamp = HookSignature.Timestamp(_time.GetUtcNow());
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        message.Headers.Add(HookSignature.TimestampHeader, timestamp);
        message.Headers.Add(HookSignature.SignatureHeader, HookSignature.Sign(request.Secret.Span, timestamp, body));
        message.Headers.Add("X-BlueGreen-Event", request.Payload.Event);
        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return (int)response.StatusCode;
    }

    private ResiliencePipeline<int> Pipeline(HookRequest request)
    {
        var builder = new ResiliencePipelineBuilder<int> { TimeProvider = _time };
        if (request.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<int>
            {
                MaxRetryAttempts = request.Retries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = _retryDelay,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<int>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(code => code is < 200 or > 299),
            });
        }

        return builder.AddTimeout(request.Timeout).Build();
    }

    public void Dispose() => _client.Dispose();
}
