namespace BlueGreen.Orleans;

/// <summary>A command refused by a grain, with a code the gateway turns into a gRPC status.</summary>
[GenerateSerializer, Alias("bluegreen.BlueGreenException")]
public sealed class BlueGreenException : Exception
{
    public BlueGreenException()
    {
    }

    public BlueGreenException(string message)
        : base(message)
    {
    }

    public BlueGreenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BlueGreenException(ErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    [Id(0)]
    public ErrorCode Code { get; init; }
}
