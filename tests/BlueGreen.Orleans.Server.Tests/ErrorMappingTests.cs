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
    public void Map_UnexpectedException_LeftToGrpcAsInternalWithoutDetails() =>
        Assert.Null(ErrorInterceptor.Map(new InvalidOperationException("secret internals")));
}
