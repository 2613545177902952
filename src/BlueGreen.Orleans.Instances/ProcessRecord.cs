using System.Globalization;
using System.Text;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// The content of <c>&lt;name&gt;.pid</c>. The first line is the bare pid, as in any pid file (so
/// <c>kill $(head -1 web-green-0.pid)</c> works); <c>key=value</c> lines follow.
/// </summary>
/// <param name="Pid">The instance's pid (the launcher execs, so it is the program's own pid).</param>
/// <param name="StartTime">Field 22 of /proc/&lt;pid&gt;/stat when it started: tells our process from a recycled pid.</param>
/// <param name="StartedAt">Wall-clock start, for <see cref="InstanceState.StartedAt"/>.</param>
/// <param name="ExitCode">Recorded when this runtime stopped it and could reap it (it was its child).</param>
internal sealed record ProcessRecord(int Pid, ulong StartTime, DateTimeOffset StartedAt, long? ExitCode = null)
{
    public string Format()
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{Pid}\n")
            .Append(CultureInfo.InvariantCulture, $"starttime={StartTime}\n")
            .Append(CultureInfo.InvariantCulture, $"started={StartedAt.UtcDateTime:O}\n");
        if (ExitCode is { } exitCode)
        {
            text.Append(CultureInfo.InvariantCulture, $"exit={exitCode}\n");
        }

        return text.ToString();
    }

    public static ProcessRecord? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return null;
        }

        ulong? startTime = null;
        DateTimeOffset? startedAt = null;
        long? exitCode = null;
        foreach (var line in lines.Skip(1))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = line[(equals + 1)..];
            switch (line[..equals])
            {
                case "starttime" when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks):
                    startTime = ticks;
                    break;
                case "started" when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time):
                    startedAt = time;
                    break;
                case "exit" when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code):
                    exitCode = code;
                    break;
            }
        }

        return startTime is null || startedAt is null ? null : new ProcessRecord(pid, startTime.Value, startedAt.Value, exitCode);
    }

    /// <summary>Null when there is no pid file; throws when there is one this runtime cannot read.</summary>
    public static async Task<ProcessRecord?> ReadAsync(string instance, string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        // Treating an unreadable file as "absent" would start a second copy next to a possibly running first one.
        return Parse(text) ?? throw new InstanceRuntimeException(instance, $"Pid file {path} of instance '{instance}' is not in the expected format.");
    }

    /// <summary>Write-then-rename, so a crash mid-write never leaves a half pid file.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, Format(), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
