namespace BlueGreen.Orleans.Cli;

/// <summary>A problem found on this side (arguments, spec file) with the exit code to end with.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
