namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>The parts of one docker-compose.yml service that <see cref="ComposeEdgeTests"/> reads.</summary>
internal sealed record ComposeService(string Name, string Image, string? Dockerfile, IReadOnlyList<string> Command, IReadOnlyList<ComposeVolume> Volumes, string? Restart)
{
    public static ComposeService From(string name, Dictionary<object, object> service)
    {
        string? Text(string key) => service.TryGetValue(key, out var value) ? value as string : null;
        var build = service.TryGetValue("build", out var b) ? b as Dictionary<object, object> : null;
        var command = service.TryGetValue("command", out var c) && c is List<object> list ? list.Cast<string>().ToList() : [];
        var volumes = service.TryGetValue("volumes", out var v) && v is List<object> mounts ? mounts.Cast<string>().Select(ComposeVolume.Parse).ToList() : [];
        return new ComposeService(name, Text("image") ?? string.Empty, build?["dockerfile"] as string, command, volumes, Text("restart"));
    }

    /// <summary>The value after <paramref name="option"/> in the command; fails the test when there is none.</summary>
    public string Option(string option)
    {
        var at = Command.ToList().IndexOf(option);
        Assert.True(at >= 0 && at + 1 < Command.Count, $"service {Name} has no {option} VALUE in its command");
        return Command[at + 1];
    }
}
