using System.Globalization;
using System.Text;

namespace BlueGreen.Orleans.Cli;

/// <summary>
/// Where the bearer token comes from. The command line wins over the environment, and in each a file wins over a
/// value: <c>--token-file</c>, <c>--token</c>, <c>BLUEGREEN_TOKEN_FILE</c>, <c>BLUEGREEN_TOKEN</c>. A file keeps the
/// token out of argv (which <c>ps</c> shows to every local user) and out of the environment that child processes inherit.
/// </summary>
internal static class TokenSource
{
    public const string TokenVariable = "BLUEGREEN_TOKEN";

    public const string TokenFileVariable = "BLUEGREEN_TOKEN_FILE";

    /// <summary>A token file larger than this is the wrong file.</summary>
    public const int MaxFileBytes = 64 * 1024;

    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>The token, or null for none; a bad source is a <see cref="CliException"/> that never shows the value.</summary>
    public static string? Resolve(string? tokenFile, string? token, Func<string, string?> environment)
    {
        if (tokenFile is not null)
        {
            return ReadFile(tokenFile, "--token-file");
        }

        if (token is not null)
        {
            return Checked(token, "--token");
        }

        if (environment(TokenFileVariable) is { Length: > 0 } file)
        {
            return ReadFile(file, TokenFileVariable);
        }

        return environment(TokenVariable) is { Length: > 0 } value ? Checked(value, TokenVariable) : null;
    }

    /// <summary>
    /// The file's text without one trailing newline. Refused: a file other users may read or write (as ssh refuses such
    /// a key: the token is theirs too; <c>chmod 600</c>), an empty or oversized file, or one that is not a token.
    /// </summary>
    public static string ReadFile(string path, string source)
    {
        var shown = Names.Printable(path, 200);
        byte[] bytes;
        try
        {
            // One open file for the mode check and the read: the file checked is the file read.
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(handle) is var mode && (mode & GroupOrOthers) != 0)
            {
                var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
                throw new CliException($"{source} '{shown}' can be read or written by other users (mode {octal}): run chmod 600 on it (the token was not used).");
            }

            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            using var buffer = new MemoryStream();
            var chunk = new byte[4096];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxFileBytes)
                {
                    throw new CliException($"{source} '{shown}' is larger than {MaxFileBytes.ToString(CultureInfo.InvariantCulture)} bytes: not a token file.");
                }
            }

            bytes = buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{source} '{shown}' cannot be read: {Names.Printable(e.Message, 200)}");
        }

        var text = Encoding.UTF8.GetString(bytes);
        text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        return text.Length == 0 ? throw new CliException($"{source} '{shown}' is empty.") : Checked(text, $"{source} '{shown}'");
    }

    /// <summary>
    /// A bearer token is visible ASCII (RFC 6750): anything else cannot be sent as a header and used to end as an
    /// INTERNAL "error starting gRPC call" (exit 1). The value is never echoed.
    /// </summary>
    private static string Checked(string value, string source) =>
        value.Length is > 0 and <= 4096 && value.All(c => c is >= '!' and <= '~')
            ? value
            : throw new CliException($"{source}: a bearer token is 1-4096 visible ASCII characters, without spaces (the value is not shown).");
}
