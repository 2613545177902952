using BlueGreen.Orleans.Gateway.Security;
using Grpc.Core;
using Orleans.Storage;

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
    [InlineData(ErrorCode.StorageFailed, StatusCode.Internal)]
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
    public void Map_StorageFailureOfAnyGrain_StorageErrorOnOneLineNotClusterUnavailable()
    {
        // What Orleans' storage bridge throws when a provider fails: its message carries the cause's stack trace.
        var cause = new IOException("SQLite Error 13: 'database or disk is full'.");
        var failure = new OrleansException(
            "Error from storage provider SqliteGrainStorage.proxy during WriteStateAsync for grain proxy/edge-1\n Exc level 0: System.IO.IOException: SQLite Error 13: 'database or disk is full'.\n   at BlueGreen.Orleans.Persistence.SqliteGrainStorage.WriteStateAsync()",
            cause);

        var status = ErrorInterceptor.Map(failure);

        Assert.Equal(StatusCode.Internal, status?.StatusCode);
        Assert.Equal("state storage failed: SQLite Error 13: 'database or disk is full'.", status?.Detail);
    }

    [Fact]
    public void Map_ClusterFailureWithStackTrace_FirstLineOnly()
    {
        var status = ErrorInterceptor.Map(new OrleansException("silo gone\n   at Orleans.Runtime.Messaging.Send()"));

        Assert.Equal(StatusCode.Unavailable, status?.StatusCode);
        Assert.Equal("The cluster is unavailable: silo gone", status?.Detail);
    }

    [Fact]
    public void Map_StateChangedElsewhere_StorageConflictNotClusterUnavailable()
    {
        var status = ErrorInterceptor.Map(new InconsistentStateException("Version conflict (WriteState)"));

        Assert.Equal(StatusCode.Internal, status?.StatusCode);
        Assert.StartsWith("state storage conflict:", status?.Detail, StringComparison.Ordinal);
    }

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
