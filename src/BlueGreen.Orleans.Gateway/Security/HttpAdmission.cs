using System.Text.Json;
using Google.Protobuf.Reflection;
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
/// two places it is asked). An endpoint mapped with <see cref="RequireAdmissionAs{TBuilder}"/> (no gRPC method, no
/// interceptor) is decided here only, as the method its <see cref="AdmittedAs"/> names, and learns its caller from
/// <see cref="Caller.Of(HttpContext)"/>.
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

    /// <summary>
    /// Admits the requests of a non-gRPC endpoint as calls of <paramref name="method"/>: the same tokens, roles,
    /// cleartext rule and refusals as that RPC over HTTP/JSON.
    /// </summary>
    public static TBuilder RequireAdmissionAs<TBuilder>(this TBuilder builder, MethodDescriptor method)
        where TBuilder : IEndpointConventionBuilder
    {
        var admittedAs = new AdmittedAs(method);
        builder.Add(endpoint =>
        {
            endpoint.Metadata.Add(admittedAs);
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException("An endpoint without a request delegate.");
            endpoint.RequestDelegate = http => AdmitAsync(http, inner);
        });
        return builder;
    }

    private static async Task AdmitAsync(HttpContext http, RequestDelegate inner)
    {
        var metadata = http.GetEndpoint()?.Metadata;
        var admittedAs = metadata?.GetMetadata<AdmittedAs>();
        if (metadata?.GetMetadata<GrpcJsonTranscodingMetadata>() is null && admittedAs is null)
        {
            await inner(http);
            return;
        }

        var auth = http.RequestServices.GetRequiredService<AuthInterceptor>();
        try
        {
            var method = admittedAs is null ? AuthInterceptor.BoundMethod(http) : admittedAs.Method;
            var caller = auth.Decide(method, http, http.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null, $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}");
            caller?.AttachTo(http);
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

    /// <summary>The HTTP status JSON transcoding answers a gRPC status with (the same table as Google's HTTP mapping).</summary>
    public static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.OK => StatusCodes.Status200OK,
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The body JSON transcoding itself writes for a failed call (google.rpc.Status as JSON), on one line.</summary>
    public static async Task RefuseAsync(HttpContext http, int httpStatus, Status status)
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
