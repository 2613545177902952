using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

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
            ErrorCode.StorageFailed => StatusCode.Internal,
            _ => StatusCode.Internal,
        }, b.Message),
        TimeoutException => new Status(StatusCode.DeadlineExceeded, "The cluster did not answer in time."),
        InconsistentStateException => new Status(StatusCode.Internal, "state storage conflict: the state changed under this server (it re-reads it now); retry."),
        OrleansException when e.Message.StartsWith(StorageProviderError, StringComparison.Ordinal) =>
            new Status(StatusCode.Internal, $"state storage failed: {FirstLine(e.InnerException?.Message ?? e.Message)}"),
        OrleansException => new Status(StatusCode.Unavailable, "The cluster is unavailable: " + FirstLine(e.Message)),
        _ => new Status(StatusCode.Internal, InternalDetail),
    };

    /// <summary>
    /// How Orleans' storage bridge starts the message of a failed read, write or clear of any grain's state (the cause's
    /// type, message and stack trace follow on the next lines).
    /// </summary>
    private const string StorageProviderError = "Error from storage provider ";

    /// <summary>Orleans' messages carry stack traces on their next lines: a client gets the first line only.</summary>
    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>All a client learns of an unexpected failure.</summary>
    internal const string InternalDetail = "Internal error; the server's log has the details.";

    private RpcException Translate(Exception e, Status status, ServerCallContext context)
    {
        if (status.StatusCode == StatusCode.Internal && e is not BlueGreenException)
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
