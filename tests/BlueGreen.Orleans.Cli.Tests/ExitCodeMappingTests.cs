using Grpc.Core;

namespace BlueGreen.Orleans.Cli.Tests;

/// <summary>The gRPC status a server answered with → the exit code the README's table gives for it.</summary>
public sealed class ExitCodeMappingTests
{
    [Theory]
    [InlineData(StatusCode.Unauthenticated, ExitCodes.Unauthorized)]
    [InlineData(StatusCode.PermissionDenied, ExitCodes.Unauthorized)]
    [InlineData(StatusCode.InvalidArgument, ExitCodes.Refused)]
    [InlineData(StatusCode.NotFound, ExitCodes.Refused)]
    [InlineData(StatusCode.AlreadyExists, ExitCodes.Refused)]
    [InlineData(StatusCode.FailedPrecondition, ExitCodes.Refused)]
    [InlineData(StatusCode.Unavailable, ExitCodes.Unreachable)]
    [InlineData(StatusCode.DeadlineExceeded, ExitCodes.Unreachable)]
    // The server answered that its state storage failed (or another internal error): not "server unreachable".
    [InlineData(StatusCode.Internal, ExitCodes.ServerFailed)]
    [InlineData(StatusCode.Unknown, ExitCodes.Failed)]
    public void ExitCodeOf_ServerStatus_IsTheDocumentedCode(StatusCode status, int exit)
    {
        Assert.Equal(exit, CommandRunner.ExitCodeOf(status));
    }
}
