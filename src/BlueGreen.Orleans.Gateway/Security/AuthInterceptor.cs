using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Bearer tokens: read tokens may call reads, admin tokens everything. Missing or unknown → UNAUTHENTICATED; a read
/// token on a mutating call → PERMISSION_DENIED. Health and reflection stay open. Tokens are compared in constant
/// time and never logged.
/// </summary>
internal sealed class AuthInterceptor(IOptions<GrpcGatewayOptions> options) : Interceptor
{
    private const string Package = "/bluegreen.v1.";

    private static readonly HashSet<string> Mutating = new(StringComparer.Ordinal)
    {
        "/bluegreen.v1.Proxies/RegisterProxy",
        "/bluegreen.v1.Proxies/RemoveProxy",
        "/bluegreen.v1.Services/ApplyService",
        "/bluegreen.v1.Services/DeleteService",
        "/bluegreen.v1.Deployments/Release",
        "/bluegreen.v1.Deployments/Promote",
        "/bluegreen.v1.Deployments/Rollback",
        "/bluegreen.v1.Deployments/Abort",
    };

    public static bool IsMutating(string method) => Mutating.Contains(method);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var settings = options.Value;
        if (!settings.RequireAuthentication || !context.Method.StartsWith(Package, StringComparison.Ordinal))
        {
            return;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        const string bearer = "Bearer ";
        if (header is null || !header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A bearer token is required (authorization: Bearer <token>)."));
        }

        var token = header[bearer.Length..].Trim();
        if (Matches(token, settings.AdminTokens))
        {
            return;
        }

        if (!Matches(token, settings.ReadTokens))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The bearer token is not valid."));
        }

        if (IsMutating(context.Method))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{context.Method} needs an admin token; this token may only read."));
        }
    }

    private static bool Matches(string token, IEnumerable<string> allowed)
    {
        var presented = Encoding.UTF8.GetBytes(token);
        var match = false;
        foreach (var candidate in allowed)
        {
            // No early exit: the time taken does not tell which token, or how much of one, matched.
            match |= CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(candidate));
        }

        return match;
    }
}
