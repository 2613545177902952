using BlueGreen.Orleans.Instances;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>
/// What the process runtime may do on this server (<c>BlueGreen:Runtimes:Process</c>). It runs programs on the server's
/// own host, so it is off unless enabled, runs only the listed programs, and never as root.
/// </summary>
public sealed class ProcessRuntimeSettings
{
    public const string Section = "BlueGreen:Runtimes:Process";

    /// <summary>Whether colours may use <c>runtime: process</c> at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>The programs a colour's <c>command</c> may name: absolute paths, compared exactly (after placeholders are filled).</summary>
    public string[]? AllowedCommands { get; set; }

    /// <summary>When the server runs as root, instances run as this unprivileged user (setpriv); otherwise as the server's user.</summary>
    public string RunAsUser { get; set; } = "nobody";

    public bool IsAllowedCommand(string command) => AllowedCommands?.Contains(command, StringComparer.Ordinal) == true;

    public void Validate(List<string> errors)
    {
        foreach (var command in AllowedCommands ?? [])
        {
            if (!command.StartsWith('/') || !Path.IsPathFullyQualified(command) || command.Any(char.IsControl))
            {
                errors.Add($"{Section}:AllowedCommands: '{command}' must be an absolute path such as /usr/bin/dotnet.");
            }
        }

        if (!Enabled)
        {
            return;
        }

        if (AllowedCommands is not { Length: > 0 })
        {
            errors.Add($"{Section}:AllowedCommands must list the programs colours may run (absolute paths) when {Section}:Enabled is true.");
        }

        if (Environment.IsPrivilegedProcess)
        {
            if (string.IsNullOrWhiteSpace(RunAsUser) || UserAccount.Find(RunAsUser) is not { } account)
            {
                errors.Add($"{Section}:RunAsUser '{RunAsUser}' is not a user of this host: the server runs as root, so instances run as this unprivileged user.");
            }
            else if (account.Uid == 0)
            {
                errors.Add($"{Section}:RunAsUser '{RunAsUser}' is root: name an unprivileged user (default nobody).");
            }

            if (!File.Exists(ProcessInstanceRuntime.SetPrivPath))
            {
                errors.Add($"{Section}: running instances as {Section}:RunAsUser needs {ProcessInstanceRuntime.SetPrivPath} (util-linux).");
            }
        }
    }
}
