using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Turns grain refusals into gRPC status codes on every kind of handler. Anything unexpected becomes INTERNAL with no
/// details (the exception is logged here, never sent: it can name files, hosts and internals).
/// </summary>
internal sealed partial class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Map(e) is { } status)
        {
            throw Translate(e, status, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (Map(e) is { } status)
        {
            throw Translate(e, status, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Map(e) is { } status)
        {
            throw Translate(e, status, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (Map(e) is { } status)
        {
            throw Translate(e, status, context);
        }
    }

    /// <summary>The status a failure is answered with; null for what gRPC already answers right (RpcException, cancellation).</summary>
    internal static Status? Map(Exception e) => e switch
    {
        RpcException => null,
        OperationCanceledException => null,
        BlueGreenException b => new Status(b.Code switch
        {
            ErrorCode.InvalidArgument => StatusCode.InvalidArgument,
            ErrorCode.NotFound => StatusCode.NotFound,
            ErrorCode.AlreadyExists => StatusCode.AlreadyExists,
            ErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
            ErrorCode.Unavailable => StatusCode.Unavailable,
            _ => StatusCode.Internal,
        }, b.Message),
        TimeoutException => new Status(StatusCode.DeadlineExceeded, "The cluster did not answer in time."),
        OrleansException => new Status(StatusCode.Unavailable, "The cluster is unavailable: " + e.Message),
        _ => new Status(StatusCode.Internal, InternalDetail),
    };

    /// <summary>All a client learns of an unexpected failure.</summary>
    internal const string InternalDetail = "Internal error; the server's log has the details.";

    private RpcException Translate(Exception e, Status status, ServerCallContext context)
    {
        if (status.StatusCode == StatusCode.Internal)
        {
            Log.Unexpected(logger, context.Method, e);
        }

        return new RpcException(status);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Unexpected failure in {Method}; the client was answered INTERNAL without details")]
        public static partial void Unexpected(ILogger logger, string method, Exception exception);
    }
}
