namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>An instance of a colour that is not running: its exit code when known, and the last lines it wrote.</summary>
public sealed record InstanceExit(string Name, long? ExitCode, IReadOnlyList<string> Output);
