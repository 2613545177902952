using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Makes the <see cref="AuthInterceptor"/>'s decision for an HTTP/JSON (transcoded) request before its body and route
/// values are parsed: a caller without a valid token gets 401 and a read token on an admin route 403, never a parse
/// error that would tell it what the route expects. The interceptor decides again for the call itself (one policy,
/// two places it is asked).
/// </summary>
internal static class HttpAdmission
{
    /// <summary>The largest JSON body accepted: the same 1 MB as a gRPC message.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static TBuilder RequireAdmission<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException("A gRPC endpoint without a request delegate.");
            endpoint.RequestDelegate = http => AdmitAsync(http, inner);
        });
        return builder;
    }

    private static async Task AdmitAsync(HttpContext http, RequestDelegate inner)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is null)
        {
            await inner(http);
            return;
        }

        var auth = http.RequestServices.GetRequiredService<AuthInterceptor>();
        try
        {
            auth.Decide(AuthInterceptor.BoundMethod(http), http, http.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null, $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}");
        }
        catch (RpcException refused)
        {
            await RefuseAsync(http, refused.Status.StatusCode == StatusCode.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden, refused.Status);
            return;
        }

        // A declared length over the cap is refused before a byte of the body is read: a client that waits for
        // "100 Continue" (curl does for large bodies) then never sends it, instead of having its connection cut mid-body.
        if (http.Request.ContentLength is > MaxBodyBytes and var length)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, new Status(StatusCode.InvalidArgument, $"Request body too large: {length} bytes, at most {MaxBodyBytes}."));
            return;
        }

        // Transcoding buffers a JSON body whole and does not apply gRPC's MaxReceiveMessageSize: cap it the same, so
        // an admitted caller cannot make the gateway hold Kestrel's default 30 MB per request either.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        await inner(http);
    }

    /// <summary>The body JSON transcoding itself writes for a failed call (google.rpc.Status as JSON), on one line.</summary>
    private static async Task RefuseAsync(HttpContext http, int httpStatus, Status status)
    {
        http.Response.StatusCode = httpStatus;
        http.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(http.Response.Body);
        json.WriteStartObject();
        json.WriteNumber("code", (int)status.StatusCode);
        json.WriteString("message", status.Detail);
        json.WriteStartArray("details");
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
