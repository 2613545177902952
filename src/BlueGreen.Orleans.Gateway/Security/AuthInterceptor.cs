using BlueGreen.Orleans.Auditing;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Admits every gRPC call, of every kind (unary, server-, client- and duplex streaming), from the method its endpoint is
/// bound to (<see cref="GrpcMethodMetadata"/>) and <see cref="AccessPolicy"/>: default deny, a method in no list is
/// refused. Missing or unknown token → UNAUTHENTICATED (an agent credential is no token, and a token no agent credential); a read token on an admin method → PERMISSION_DENIED. An
/// admitted caller is attached to the call (<see cref="Caller.Of"/>) and its token's name travels with every grain call
/// the handler makes (<see cref="Actor"/>), so records say who did what. Tokens are never logged.
/// </summary>
internal sealed partial class AuthInterceptor(GatewayTokens tokens, AgentCredentials agents, IOptions<GrpcGatewayOptions> options, ILogger<AuthInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is { } actor)
        {
            Actor.Set(actor);
        }

        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is { } actor)
        {
            Actor.Set(actor);
        }

        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is { } actor)
        {
            Actor.Set(actor);
        }

        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (await AdmitAsync(context) is { } actor)
        {
            Actor.Set(actor);
        }

        await continuation(requestStream, responseStream, context);
    }

    // The handlers above are async so that the actor they set stays with this call's flow and never leaks into the
    // caller's execution context. It is set there, not in here: what an awaited async method sets in the request
    // context does not flow back to its caller.
    private async Task<string?> AdmitAsync(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var method = BoundMethod(http);
        if (method is not null && AccessPolicy.Of(method) == MethodAccess.Agent)
        {
            // Agent streams: the credential, checked with the proxy grain, binds the call to one proxy.
            var agent = await AuthenticateAgentAsync(context, method);
            agent.AttachTo(context);
            return "agent:" + agent.ProxyId;
        }

        if (Decide(method, http, context.RequestHeaders.GetValue("authorization"), context.Peer) is not { } caller)
        {
            return null;
        }

        if (AccessPolicy.Of(method!) == MethodAccess.Admin)
        {
            Log.AdminCall(logger, caller.Name, method!);
        }

        caller.AttachTo(context);
        return caller.Name;
    }

    /// <summary>
    /// Whether <paramref name="method"/> may be called with this authorization header: the caller, null for a public
    /// method, or an RpcException (PERMISSION_DENIED or UNAUTHENTICATED). Also used by <see cref="HttpAdmission"/>
    /// before a JSON request body is even read.
    /// </summary>
    internal Caller? Decide(string? method, HttpContext http, string? authorization, string peer)
    {
        switch (method is null ? null : AccessPolicy.Of(method))
        {
            case null:
                Log.Unlisted(logger, method ?? "(no gRPC method)");
                throw new RpcException(new Status(StatusCode.PermissionDenied, "This method is not open to any token."));
            case MethodAccess.Public:
                return null;
            case MethodAccess.Agent:
                // Only an agent stream, admitted in AdmitAsync with its credential; never through a token (nor over HTTP).
                throw new RpcException(new Status(StatusCode.PermissionDenied, "This method is open to agent credentials only."));
            case var access:
                RefuseCleartextOffLoopback(http, method!, peer);
                var caller = Authenticate(authorization, method!, peer);
                if (access == MethodAccess.Admin && caller.Role != TokenRole.Admin)
                {
                    Log.Forbidden(logger, caller.Name, method!);
                    throw new RpcException(new Status(StatusCode.PermissionDenied, $"{method} needs an admin token; token '{caller.Name}' may only read."));
                }

                return caller;
        }
    }

    /// <summary>
    /// The HTTP port is cleartext HTTP/1.1 on <see cref="GrpcGatewayOptions.ListenAddress"/> even when the gRPC port has
    /// TLS: a JSON call reaching it off loopback is refused (unless AllowInsecure), so no client learns to send its token
    /// in the clear; the HTTPS gRPC port serves the same JSON API.
    /// </summary>
    private void RefuseCleartextOffLoopback(HttpContext http, string method, string peer)
    {
        if (http.Request.IsHttps || options.Value.AllowInsecure || http.Connection.LocalIpAddress is not { } local || System.Net.IPAddress.IsLoopback(local))
        {
            return;
        }

        Log.Cleartext(logger, method, peer);
        throw new RpcException(new Status(StatusCode.PermissionDenied, "Cleartext calls are served on loopback only: use https on the gRPC port (or Gateway:AllowInsecure behind a TLS-terminating proxy)."));
    }

    private Caller Authenticate(string? authorization, string method, string peer)
    {
        if (!options.Value.RequireAuthentication)
        {
            return Caller.Anonymous;
        }

        if (tokens.Authenticate(authorization) is { } caller)
        {
            return caller;
        }

        Log.Unauthenticated(logger, method, peer);
        throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid bearer token is required (authorization: Bearer <token>)."));
    }

    /// <summary>
    /// An agent credential, whatever Gateway:RequireAuthentication says (the credential is what binds a stream to its
    /// proxy). Anything else — no header, a read or admin token, a credential not (or no longer) issued — is
    /// UNAUTHENTICATED with one message that echoes nothing of what was presented.
    /// </summary>
    private async Task<AgentCaller> AuthenticateAgentAsync(ServerCallContext context, string method)
    {
        if (AgentCredential.FromHeader(context.RequestHeaders.GetValue("authorization")) is { } credential && await agents.IsCurrentAsync(credential))
        {
            return new AgentCaller(credential);
        }

        Log.AgentUnauthenticated(logger, method, context.Peer);
        throw new RpcException(new Status(StatusCode.Unauthenticated, "A current agent credential is required (authorization: Bearer <credential>)."));
    }

    /// <summary>The full name of the method the routed endpoint is bound to; null when there is none.</summary>
    internal static string? BoundMethod(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName;
}
