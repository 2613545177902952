using Grpc.Core;
using Grpc.Core.Interceptors;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>Turns grain refusals into gRPC status codes; anything unexpected becomes INTERNAL without details.</summary>
internal sealed class ErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Map(e) is { } status)
        {
            throw new RpcException(status);
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
            throw new RpcException(status);
        }
    }

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
            _ => StatusCode.Unavailable,
        }, b.Message),
        TimeoutException => new Status(StatusCode.DeadlineExceeded, "The cluster did not answer in time."),
        OrleansException => new Status(StatusCode.Unavailable, "The cluster is unavailable: " + e.Message),
        _ => null,
    };
}
