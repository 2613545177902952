using System.Text.RegularExpressions;

namespace BlueGreen.Orleans.Cli.Commands;

/// <summary>Where <c>proxy add --agent --credential-file</c> writes the new credential: created or replaced with mode 600.</summary>
internal static partial class AgentCredentialFile
{
    /// <summary>A plain path (no spaces, quotes or control characters): it ends up in unit files and agent command lines.</summary>
    public static string Check(string value) =>
        PathPattern().IsMatch(value) && !value.Split('/').Any(segment => segment is "." or "..")
            ? value
            : throw new CliException($"--credential-file '{Names.Printable(value)}': use a path of 1-1024 characters of A-Z a-z 0-9 . _ / - (no . or .. segments).");

    /// <summary>
    /// Written to a temporary file of mode 600 in the same folder, then renamed over the path: the credential is never
    /// readable by others, not even for a moment, and an older file at the path is replaced whole.
    /// </summary>
    public static void Write(string path, string credential)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new CliException("--credential-file needs a Unix system (the file is created with mode 600).");
        }

        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp-" + Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(credential + "\n");
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            // The proxy is registered with the new credential already: say how to get another one.
            throw new CliException($"--credential-file '{Names.Printable(path)}' could not be written ({e.GetType().Name}); run the same proxy add --agent again to issue a new credential.", ExitCodes.Failed);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._/-]{1,1024}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();
}
