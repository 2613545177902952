namespace BlueGreen.Orleans.Instances;

/// <summary>Whether an instance's command can run: checked before launch, since past exec a typo is only exit code 127.</summary>
internal static class InstanceCommands
{
    public static bool CanExecute(string command, IReadOnlyDictionary<string, string> environment)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutableFile(Path.GetFullPath(command));
        }

        // The launcher's exec searches the PATH the instance will have: the spec's, else the minimal one.
        var path = environment.TryGetValue("PATH", out var own) ? own : ProcessInstanceRuntime.DefaultPath;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(folder => IsExecutableFile(Path.Combine(folder, command)));
    }

    public static bool IsAbsolute(string command) => command.StartsWith('/') && Path.IsPathFullyQualified(command);

    private static bool IsExecutableFile(string path) =>
        !OperatingSystem.IsWindows()
        && File.Exists(path)
        && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
