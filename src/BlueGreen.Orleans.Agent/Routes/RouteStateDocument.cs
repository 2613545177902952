namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>The agent's state file as JSON: the routes version it holds.</summary>
internal sealed class RouteStateDocument
{
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;

    public long Version { get; set; }

    public Dictionary<string, string> Routes { get; set; } = new(StringComparer.Ordinal);

    public DateTimeOffset WrittenAt { get; set; }
}
