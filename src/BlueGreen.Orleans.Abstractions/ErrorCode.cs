namespace BlueGreen.Orleans;

/// <summary>Why a command was refused; the gateway maps each to a gRPC status code.</summary>
[GenerateSerializer, Alias("bluegreen.ErrorCode")]
public enum ErrorCode
{
    InvalidArgument = 0,
    NotFound = 1,
    AlreadyExists = 2,
    FailedPrecondition = 3,

    /// <summary>A proxy or instance runtime could not be reached or refused the command.</summary>
    Unavailable = 4,

    /// <summary>The server's state storage failed to read or write; the command changed nothing.</summary>
    StorageFailed = 5,
}
