using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlueGreen.Orleans.Instances;

/// <summary>
/// Instances as local processes. The state folder, not this object, is the source of truth: <c>&lt;name&gt;.pid</c>
/// holds pid + start time, <c>&lt;name&gt;.log</c> the output. Processes get their own session and write straight to
/// the log file, so they hold nothing of the orchestrator (no pipe, no terminal) and outlive it, even a SIGKILL.
/// They get nothing of its environment either (tokens, passwords): only the spec's variables, the runtime's own and a
/// minimal PATH; and when the orchestrator is root they run as <see cref="ProcessRuntimeOptions.RunAsUser"/>.
/// </summary>
public sealed partial class ProcessInstanceRuntime : IInstanceRuntime, IDisposable
{
    private const string Shell = "/bin/sh";

    // $1 is the log file, $2 the launch file, the rest the command. The launcher writes its own pid to the launch file
    // before anything else, so an orchestrator killed between starting it and recording it leaves a trace the next start
    // finds. `exec` keeps the pid, so the pid we record is the program's own; stdin from /dev/null and output appended to
    // the log detach it from every descriptor the orchestrator owns.
    private const string LaunchScript = "log=$1; launch=$2; shift 2; echo $$ >\"$launch\"; exec \"$@\" </dev/null >>\"$log\" 2>&1";

    /// <summary>Set in every instance's environment to its pid file's path: who it belongs to, even unrecorded.</summary>
    internal const string OwnerVariable = "BLUEGREEN_INSTANCE_FILE";

    /// <summary>An instance's PATH unless its spec sets one: the system's programs, nothing of the orchestrator's PATH.</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>util-linux's setpriv: execs the program in place (the pid stays the one recorded) as another user.</summary>
    public const string SetPrivPath = "/usr/bin/setpriv";

    // setsid(1) execs in place (a fresh child of .NET is no process-group leader, so it need not fork). The new session
    // keeps terminal hangups and Ctrl+C of the orchestrator away, and makes the instance a process group we can signal whole.
    private static readonly string? SetSid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>How long an inspection waits for our own dead child to be reaped, to report its exit code.</summary>
    private static readonly TimeSpan ReapGrace = TimeSpan.FromSeconds(1);

    /// <summary>How many logs of removed instances of one name are kept (<c>.log.1</c> … <c>.log.3</c>).</summary>
    private const int KeptLogs = 3;

    /// <summary>How much of the end of a log <see cref="ReadOutputAsync"/> reads.</summary>
    private const int OutputTailBytes = 64 * 1024;

    /// <summary>The line the runtime writes into the log before each start (not the instance's own output).</summary>
    private const string StartMarker = "--- ";

    private readonly ProcessRuntimeOptions _options;
    private readonly UserAccount? _runAs;
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly InstanceGates _gates = new();

    // Processes this object started, kept so .NET reaps them and their exit code can be read.
    private readonly ConcurrentDictionary<string, (Process Process, ulong StartTime)> _children = new(StringComparer.Ordinal);

    public ProcessInstanceRuntime(ProcessRuntimeOptions options, ILogger<ProcessInstanceRuntime>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        InstanceValidation.Required(options.StateDirectory);
        InstanceValidation.Timeout(options.StopTimeout);
        if (!OperatingSystem.IsLinux())
        {
            // Identity checks read /proc/<pid>/stat.
            throw new PlatformNotSupportedException("The process runtime needs Linux (/proc).");
        }

        if (options.AllowedCommands?.FirstOrDefault(c => !InstanceCommands.IsAbsolute(c)) is { } relative)
        {
            throw new ArgumentException($"Allowed command '{relative}' is not an absolute path.", nameof(options));
        }

        _runAs = RunAs(options.RunAsUser);
        _options = options;
        _directory = Path.GetFullPath(options.StateDirectory);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Kind => "process";

    public async Task<InstanceState> StartAsync(InstanceSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        InstanceValidation.Name(spec.Name);
        InstanceValidation.Required(spec.Command);
        InstanceValidation.EnvironmentVariables(spec.Environment);
        var name = spec.Name;
        var command = spec.Command!;
        if (_options.AllowedCommands is { } allowed && (!InstanceCommands.IsAbsolute(command) || !allowed.Contains(command, StringComparer.Ordinal)))
        {
            // Before any I/O: a command that is not on the list must not even be looked at on disk.
            throw new InstanceRuntimeException(
                name, $"Command '{command}' of process instance '{name}' is not allowed: instances run only the allowed commands (absolute paths, compared exactly).");
        }

        if (!InstanceCommands.CanExecute(command, spec.Environment))
        {
            // Checked here because past exec the only trace of a typo would be a line in the log and exit code 127.
            throw new InstanceRuntimeException(name, $"Command '{command}' of process instance '{name}' was not found or is not executable.");
        }

        return await _gates.RunAsync(name, async () =>
        {
            Directory.CreateDirectory(_directory);
            await StopCoreAsync(name, _options.StopTimeout, cancellationToken);

            var logPath = LogPath(name);
            var commandLine = string.Join(' ', spec.Arguments.Prepend(command));
            var startedAt = _time.GetUtcNow();
            await File.AppendAllTextAsync(logPath, $"{StartMarker}{startedAt.UtcDateTime:O} start: {commandLine}\n", cancellationToken);

            var process = Launch(name, logPath, LaunchPath(name), PidPath(name), spec, _runAs);
            try
            {
                await WaitForExecAsync(process, cancellationToken);
                ProcessRecord record;
                if (ProcStat.Read(process.Id) is { } stat)
                {
                    record = new ProcessRecord(process.Id, stat.StartTime, startedAt);
                }
                else
                {
                    // Exited and reaped already: record what is known so Inspect reports it stopped, with its code.
                    await process.WaitForExitAsync(cancellationToken);
                    record = new ProcessRecord(process.Id, StartTime: 0, startedAt, process.ExitCode);
                }

                await record.WriteAsync(PidPath(name), cancellationToken);
                File.Delete(LaunchPath(name));
                if (_children.TryRemove(name, out var previous))
                {
                    previous.Process.Dispose();
                }

                _children[name] = (process, record.StartTime);
                Log.Started(_logger, name, process.Id, commandLine, logPath);
                var running = Identify(record) is not null;
                return new InstanceState(name, running, Id(record), record.StartedAt, running ? null : await ExitCodeOfAsync(name, record, ReapGrace, cancellationToken));
            }
            catch
            {
                // Not recorded, so nobody could find it again: it must not outlive this failure.
                ProcessSignals.KillUnrecorded(process);
                throw;
            }
        }, cancellationToken);
    }

    public async Task StopAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        InstanceValidation.Timeout(timeout);
        await _gates.RunAsync(name, () => StopCoreAsync(name, timeout, cancellationToken), cancellationToken);
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        await _gates.RunAsync(name, async () =>
        {
            await StopCoreAsync(name, _options.StopTimeout, cancellationToken);
            // File.Delete is silent for a missing file but throws for a missing folder (nothing ever started here).
            var existed = File.Exists(PidPath(name));
            foreach (var path in new[] { PidPath(name), LaunchPath(name) }.Where(File.Exists))
            {
                File.Delete(path);
            }

            RotateLog(name);
            if (_children.TryRemove(name, out var child))
            {
                child.Process.Dispose();
            }

            if (existed)
            {
                Log.Removed(_logger, name);
            }
        }, cancellationToken);
    }

    public async Task<InstanceState?> InspectAsync(string name, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        var record = await ProcessRecord.ReadAsync(PidPath(name), cancellationToken);
        if (record is null)
        {
            return null;
        }

        var running = Identify(record) is not null;
        return new InstanceState(name, running, Id(record), record.StartedAt, running ? null : await ExitCodeOfAsync(name, record, ReapGrace, cancellationToken));
    }

    public async Task<IReadOnlyList<string>> ReadOutputAsync(string name, int lines, CancellationToken cancellationToken = default)
    {
        InstanceValidation.Name(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lines);
        var path = new[] { LogPath(name), LogPath(name) + ".1" }.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return [];
        }

        // The tail only: a log can be large, the reason an instance died is at its end.
        await using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = (int)Math.Min(log.Length, OutputTailBytes);
        log.Seek(-length, SeekOrigin.End);
        var buffer = new byte[length];
        await log.ReadExactlyAsync(buffer, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(buffer)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith(StartMarker, StringComparison.Ordinal))
            .TakeLast(lines)
            .ToList();
    }

    /// <summary>Releases handles only: the processes keep running, as they would if the orchestrator had crashed.</summary>
    public void Dispose()
    {
        foreach (var child in _children.Values)
        {
            child.Process.Dispose();
        }

        _children.Clear();
        _gates.Dispose();
    }

    internal string PidPath(string name) => Path.Combine(_directory, name + ".pid");

    internal string LogPath(string name) => Path.Combine(_directory, name + ".log");

    /// <summary>
    /// A removed instance's output is kept, not deleted: <c>&lt;name&gt;.log.1</c> (newest) to <c>.log.3</c>, so the
    /// reason a failed release's instance died outlives its retirement, and the folder stays bounded.
    /// </summary>
    private void RotateLog(string name)
    {
        var log = LogPath(name);
        if (!File.Exists(log))
        {
            return;
        }

        for (var i = KeptLogs - 1; i >= 1; i--)
        {
            if (File.Exists($"{log}.{i}"))
            {
                File.Move($"{log}.{i}", $"{log}.{i + 1}", overwrite: true);
            }
        }

        File.Move(log, log + ".1", overwrite: true);
    }

    /// <summary>Written by the launcher itself; deleted once the pid file records the instance.</summary>
    internal string LaunchPath(string name) => Path.Combine(_directory, name + ".launch");

    private static string Id(ProcessRecord record) => record.Pid.ToString(CultureInfo.InvariantCulture);

    private static Process Launch(string name, string logPath, string launchPath, string pidPath, InstanceSpec spec, UserAccount? runAs)
    {
        var start = new ProcessStartInfo(SetSid ?? Shell) { UseShellExecute = false };
        if (SetSid is not null)
        {
            start.ArgumentList.Add(Shell);
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(LaunchScript);
        start.ArgumentList.Add("bluegreen-launch");
        start.ArgumentList.Add(logPath);
        start.ArgumentList.Add(launchPath);
        if (runAs is not null)
        {
            // The launcher stays root until this exec: it writes the launch file and opens the log (both root's) first,
            // and the program inherits the open log. No supplementary groups, and no setuid program can raise it again.
            start.ArgumentList.Add(SetPrivPath);
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--reuid={runAs.Uid}"));
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--regid={runAs.Gid}"));
            start.ArgumentList.Add("--clear-groups");
            start.ArgumentList.Add("--no-new-privs");
            start.ArgumentList.Add("--");
        }

        start.ArgumentList.Add(spec.Command!);
        foreach (var argument in spec.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing of the orchestrator's environment: its tokens and passwords would be every instance's to read.
        start.Environment.Clear();
        start.Environment["PATH"] = DefaultPath;
        foreach (var (key, value) in spec.Environment)
        {
            start.Environment[key] = value;
        }

        start.Environment[OwnerVariable] = pidPath;

        try
        {
            return Process.Start(start) ?? throw new InstanceRuntimeException(name, $"Could not start process instance '{name}'.");
        }
        catch (Win32Exception e)
        {
            throw new InstanceRuntimeException(name, $"Could not start process instance '{name}': {e.Message}", e);
        }
    }

    /// <summary>
    /// setsid, then sh, exec into the program within milliseconds; until then the pid still runs the launcher with the
    /// orchestrator's stdio. Waiting makes the returned state describe the program itself.
    /// </summary>
    private async Task WaitForExecAsync(Process process, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (!process.HasExited && IsLaunching(process.Id) && _time.GetElapsedTime(started) < ProcessSignals.KillGrace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2), _time, cancellationToken);
        }
    }

    private static bool IsLaunching(int pid)
    {
        try
        {
            // Empty while an exec is under way; the launch script while setsid or sh still runs; then setpriv, if any.
            var commandLine = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            var arguments = commandLine.Split('\0');
            return commandLine.Length == 0 || arguments.Contains(LaunchScript, StringComparer.Ordinal) || arguments[0] == SetPrivPath;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task StopCoreAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pidPath = PidPath(name);
        var record = await ProcessRecord.ReadAsync(pidPath, cancellationToken);
        await StopUnrecordedAsync(name, record, timeout, cancellationToken);
        if (record is null || Identify(record) is not { } stat)
        {
            if (record is not null)
            {
                await RecordExitAsync(name, pidPath, record, cancellationToken);
            }

            Log.NotRunning(_logger, name, "stop");
            return;
        }

        await TerminateAsync(name, record, stat, timeout, cancellationToken);
        var exitCode = await RecordExitAsync(name, pidPath, record, cancellationToken);
        Log.Stopped(_logger, name, record.Pid, exitCode);
    }

    /// <summary>SIGTERM, up to <paramref name="timeout"/> for it to end, then SIGKILL.</summary>
    private async Task TerminateAsync(string name, ProcessRecord record, ProcStat stat, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Started by this runtime it leads its own process group: signal the group, so helpers it forked stop too.
        var group = stat.ProcessGroup == record.Pid;
        Log.Stopping(_logger, name, record.Pid, group, (long)timeout.TotalMilliseconds);
        ProcessSignals.Send(name, record.Pid, group, NativeMethods.SigTerm);
        if (!await WaitGoneAsync(record, group, timeout, cancellationToken))
        {
            Log.Killing(_logger, name, record.Pid, (long)timeout.TotalMilliseconds);
            ProcessSignals.Send(name, record.Pid, group, NativeMethods.SigKill);
            if (!await WaitGoneAsync(record, group: false, ProcessSignals.KillGrace, cancellationToken))
            {
                throw new InstanceRuntimeException(
                    name, $"Process {record.Pid} of instance '{name}' still exists {ProcessSignals.KillGrace.TotalSeconds:0} s after SIGKILL (uninterruptible I/O?).");
            }
        }
    }

    /// <summary>
    /// An instance whose launcher ran but whose pid file never recorded it (the orchestrator was killed in between):
    /// stopped like a recorded one, if the pid still runs a process of this instance (its environment names this
    /// instance's pid file), so a reused pid is never signalled.
    /// </summary>
    private async Task StopUnrecordedAsync(string name, ProcessRecord? record, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var launchPath = LaunchPath(name);
        if (!File.Exists(launchPath))
        {
            return;
        }

        var text = await File.ReadAllTextAsync(launchPath, cancellationToken);
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != record?.Pid
            && ProcStat.Read(pid) is { IsAlive: true } stat && BelongsTo(pid, PidPath(name)))
        {
            Log.StoppingUnrecorded(_logger, name, pid);
            await TerminateAsync(name, new ProcessRecord(pid, stat.StartTime, File.GetLastWriteTimeUtc(launchPath)), stat, timeout, cancellationToken);
        }

        File.Delete(launchPath);
    }

    private static bool BelongsTo(int pid, string pidPath)
    {
        try
        {
            var environment = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ");
            return environment.Split('\0').Contains($"{OwnerVariable}={pidPath}", StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The process's stat when the recorded pid is still the recorded process and alive; null when it exited or the pid
    /// now belongs to someone else (same pid, other start time).
    /// </summary>
    private static ProcStat? Identify(ProcessRecord record) =>
        record.StartTime != 0 && ProcStat.Read(record.Pid) is { } stat && stat.StartTime == record.StartTime && stat.IsAlive
            ? stat
            : null;

    private async Task<bool> WaitGoneAsync(ProcessRecord record, bool group, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            if (Identify(record) is null && (!group || !ProcessSignals.GroupAlive(record.Pid)))
            {
                return true;
            }

            if (_time.GetElapsedTime(started) >= timeout)
            {
                return false;
            }

            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>Reaps our own child (else a zombie until we exit) and keeps its exit code in the pid file.</summary>
    private async Task<long?> RecordExitAsync(string name, string pidPath, ProcessRecord record, CancellationToken cancellationToken)
    {
        var exitCode = await ExitCodeOfAsync(name, record, ProcessSignals.KillGrace, cancellationToken);
        if (exitCode is not null && record.ExitCode != exitCode)
        {
            await (record with { ExitCode = exitCode }).WriteAsync(pidPath, cancellationToken);
        }

        return exitCode;
    }

    /// <summary>
    /// <see cref="ExitCodeOf"/>, waiting up to <paramref name="grace"/> for our own child that /proc no longer shows
    /// running: .NET reaps it on SIGCHLD on a thread of its own, which a loaded machine runs late, and until then its code
    /// is unknown (null after the grace: not reaped yet). An inspection waits <see cref="ReapGrace"/>, so a deployment
    /// says "exited with code 1" rather than "is not running" (seen once in a full test run); a stop waits
    /// <see cref="ProcessSignals.KillGrace"/>.
    /// </summary>
    private async Task<long?> ExitCodeOfAsync(string name, ProcessRecord record, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (ExitCodeOf(name, record) is { } known)
        {
            return known;
        }

        if (!_children.TryGetValue(name, out var child) || child.StartTime != record.StartTime)
        {
            return null;
        }

        try
        {
            await child.Process.WaitForExitAsync(cancellationToken).WaitAsync(grace, _time, cancellationToken);
            return child.Process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private long? ExitCodeOf(string name, ProcessRecord record)
    {
        if (record.ExitCode is not null)
        {
            return record.ExitCode;
        }

        return _children.TryGetValue(name, out var child) && child.StartTime == record.StartTime && child.Process.HasExited
            ? child.Process.ExitCode
            : null;
    }

    /// <summary>The account instances run as: only a root runtime switches, and never to root.</summary>
    private static UserAccount? RunAs(string? user)
    {
        if (user is null || !Environment.IsPrivilegedProcess)
        {
            return null;
        }

        var account = UserAccount.Find(user) ?? throw new ArgumentException($"User '{user}' to run process instances as does not exist.", nameof(user));
        if (account.Uid == 0)
        {
            throw new ArgumentException($"User '{user}' to run process instances as is root: name an unprivileged user.", nameof(user));
        }

        return File.Exists(SetPrivPath)
            ? account
            : throw new PlatformNotSupportedException($"Running process instances as '{user}' needs {SetPrivPath} (util-linux).");
    }
}
