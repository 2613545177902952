using System.Text;

namespace BlueGreen.Orleans.Hooks;

/// <summary>
/// The hook secrets of a server: one file per secret in one folder the server's configuration names (a systemd
/// <c>LoadCredential</c> folder, a mounted Kubernetes secret...). A spec names a file there, never a path: what an admin
/// token can reach is this folder only, and the key itself never travels through the API, the state store or a listing.
/// Read at every call, so a rotated file takes effect at the next hook.
/// </summary>
/// <param name="folder">Null: no folder configured, so no spec may have hooks.</param>
public sealed class HookSecrets(string? folder)
{
    /// <summary>A key is 16 bytes at least (what a receiver can verify has to be worth forging) and 4 KiB at most.</summary>
    public const int MinBytes = 16;
    public const int MaxBytes = 4096;

    public bool Configured => !string.IsNullOrEmpty(folder);

    /// <summary>
    /// The key in the file <paramref name="name"/> (a plain file name, already checked against the spec's rule), without a
    /// trailing newline; or null and why not, in words that never quote the file's content.
    /// </summary>
    public byte[]? TryRead(string name, out string? problem)
    {
        problem = null;
        if (!Configured)
        {
            problem = "this server has no hook secrets folder (BlueGreen:Hooks:SecretsFolder)";
            return null;
        }

        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.'))
        {
            problem = $"'{name}' is not a file name";
            return null;
        }

        try
        {
            var root = Path.GetFullPath(folder!);
            var path = Path.Combine(root, name);
            var file = new FileInfo(path);

            // A link (a mounted Kubernetes secret is one) may point anywhere: only a target inside the folder counts.
            if (file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is { } target
                && !Path.GetFullPath(target.FullName).StartsWith(ResolvedRoot(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                problem = $"'{name}' in the hook secrets folder links outside it";
                return null;
            }

            if (!file.Exists)
            {
                problem = $"no file '{name}' in the hook secrets folder";
                return null;
            }

            if (file.Length > MaxBytes)
            {
                problem = $"'{name}' in the hook secrets folder is larger than {MaxBytes} bytes";
                return null;
            }

            var bytes = File.ReadAllBytes(path);
            var text = Encoding.UTF8.GetString(bytes).TrimEnd('\r', '\n');
            var key = Encoding.UTF8.GetBytes(text);
            if (key.Length < MinBytes)
            {
                problem = $"'{name}' in the hook secrets folder holds fewer than {MinBytes} bytes";
                return null;
            }

            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"'{name}' in the hook secrets folder cannot be read ({e.GetType().Name})";
            return null;
        }
    }

    private static string ResolvedRoot(string root) =>
        new DirectoryInfo(root) is { LinkTarget: not null } link && link.ResolveLinkTarget(true) is { } target ? Path.GetFullPath(target.FullName) : root;
}
