using BlueGreen.Orleans.Gateway.Security;
using Grpc.Core;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>Every refusal a grain can raise, and the cluster failures, map to the gRPC code clients act on.</summary>
public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(ErrorCode.InvalidArgument, StatusCode.InvalidArgument)]
    [InlineData(ErrorCode.NotFound, StatusCode.NotFound)]
    [InlineData(ErrorCode.AlreadyExists, StatusCode.AlreadyExists)]
    [InlineData(ErrorCode.FailedPrecondition, StatusCode.FailedPrecondition)]
    [InlineData(ErrorCode.Unavailable, StatusCode.Unavailable)]
    public void Map_BlueGreenException_CodeAndMessageKept(ErrorCode code, StatusCode expected)
    {
        var status = ErrorInterceptor.Map(new BlueGreenException(code, "service 'web': deployment 7 is in progress."));

        Assert.Equal(expected, status?.StatusCode);
        Assert.Equal("service 'web': deployment 7 is in progress.", status?.Detail);
    }

    [Fact]
    public void Map_Timeout_DeadlineExceeded() =>
        Assert.Equal(StatusCode.DeadlineExceeded, ErrorInterceptor.Map(new TimeoutException("grain call timed out"))?.StatusCode);

    [Fact]
    public void Map_ClusterFailure_Unavailable() =>
        Assert.Equal(StatusCode.Unavailable, ErrorInterceptor.Map(new OrleansException("silo gone"))?.StatusCode);

    [Fact]
    public async Task Handler_UnexpectedException_InternalWithoutDetails()
    {
        var interceptor = new ErrorInterceptor(Microsoft.Extensions.Logging.Abstractions.NullLogger<ErrorInterceptor>.Instance);

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>(
            "request", new FakeCallContext("/bluegreen.v1.Services/ListServices", token: null, bound: null), (_, _) => throw new InvalidOperationException("secret internals at /var/lib/bluegreen")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal(ErrorInterceptor.InternalDetail, error.Status.Detail);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_RpcExceptionOrCancellation_PassedThroughUnchanged()
    {
        var interceptor = new ErrorInterceptor(Microsoft.Extensions.Logging.Abstractions.NullLogger<ErrorInterceptor>.Instance);

        var refused = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<string, string>(
            "request", new FakeCallContext("/bluegreen.v1.Services/ListServices", token: null, bound: null), (_, _) => throw new RpcException(new Status(StatusCode.PermissionDenied, "no"))));
        await Assert.ThrowsAsync<OperationCanceledException>(() => interceptor.UnaryServerHandler<string, string>(
            "request", new FakeCallContext("/bluegreen.v1.Services/ListServices", token: null, bound: null), (_, _) => throw new OperationCanceledException()));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
    }
}
