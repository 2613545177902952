using System.Text;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Reads a secret (a password) from a file named in configuration, so the secret itself never sits in argv, where
/// <c>ps</c> shows it to every local user. Shared by the gateway and the server's cluster settings.
/// </summary>
public static class SecretFile
{
    /// <summary>More than any password; a bigger file is the wrong file.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// The file's text without one trailing newline (<c>echo secret &gt; file</c> adds one), or an error naming the
    /// configuration key and the rule. The secret itself is never part of an error.
    /// </summary>
    public static string? TryRead(string path, string key, out string? error)
    {
        error = null;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error = $"{key} '{path}' does not exist.";
                return null;
            }

            if (info.Length > MaxBytes)
            {
                error = $"{key} '{path}' is larger than {MaxBytes} bytes: not a password file.";
                return null;
            }

            var text = File.ReadAllText(path, Encoding.UTF8);
            text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
            if (text.Length == 0)
            {
                error = $"{key} '{path}' is empty.";
                return null;
            }

            return text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{key} '{path}' cannot be read: {e.Message}";
            return null;
        }
    }
}
