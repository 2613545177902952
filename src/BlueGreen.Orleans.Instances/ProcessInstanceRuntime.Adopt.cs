using System.Globalization;
using System.Net;

namespace BlueGreen.Orleans.Instances;

/// <summary>Taking over a process started outside the runtime, found by the address it listens on.</summary>
public sealed partial class ProcessInstanceRuntime : IAdoptingRuntime
{
    public async Task<InstanceState?> AdoptAsync(InstanceSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var name = spec.Name;
        InstanceValidation.Name(name);
        InstanceValidation.Required(spec.Command);
        if (!IPAddress.TryParse(spec.Address, out var address))
        {
            throw new InstanceRuntimeException(name, $"Instance '{name}': address '{spec.Address}' is not an IP address, so nothing listening there can be adopted.");
        }

        return await _gates.RunAsync<InstanceState?>(name, async () =>
        {
            if (await ProcessRecord.ReadAsync(PidPath(name), cancellationToken) is { } known && Identify(known) is not null)
            {
                return new InstanceState(name, true, Id(known), known.StartedAt, null);
            }

            if (Listeners.Find(address, spec.Port) is not { } pid || ProcStat.Read(pid) is not { IsAlive: true } stat)
            {
                return null;
            }

            // Adopted, it is signalled when its colour retires: only a process that is what the spec starts, run as the
            // user instances run as, never the server itself.
            var where = string.Create(CultureInfo.InvariantCulture, $"Process {pid} listening on {spec.Address}:{spec.Port}");
            if (pid == Environment.ProcessId || !IsStartedAs(pid, spec))
            {
                throw new InstanceRuntimeException(
                    name, $"{where} is not what the spec starts as instance '{name}' (its command line does not end with the spec's arguments filled in for this version): it is not adopted.");
            }

            var expected = _runAs?.Uid ?? Uid(Environment.ProcessId);
            var uid = Uid(pid);
            if (uid is null || uid != expected)
            {
                throw new InstanceRuntimeException(
                    name, $"{where} runs as uid {uid?.ToString(CultureInfo.InvariantCulture) ?? "?"}, not as the user instances run as (uid {expected?.ToString(CultureInfo.InvariantCulture) ?? "?"}): it is not adopted as instance '{name}'.");
            }

            Directory.CreateDirectory(_directory);
            var record = new ProcessRecord(pid, stat.StartTime, _time.GetUtcNow());
            await record.WriteAsync(PidPath(name), cancellationToken);
            Log.Adopted(_logger, name, pid, spec.Address, spec.Port);
            return new InstanceState(name, true, Id(record), record.StartedAt, null);
        }, cancellationToken);
    }

    /// <summary>
    /// Its command line ends with the spec's arguments (a wrapper such as <c>exec dotnet app.dll "$@"</c> changes the
    /// program but keeps them); without arguments, its program is the spec's command.
    /// </summary>
    private static bool IsStartedAs(int pid, InstanceSpec spec)
    {
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        try
        {
            if (spec.Arguments.Count == 0)
            {
                var program = new FileInfo($"/proc/{pidText}/exe").LinkTarget;
                var command = File.ResolveLinkTarget(spec.Command!, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(spec.Command!);
                return string.Equals(program, command, StringComparison.Ordinal);
            }

            var argv = File.ReadAllText($"/proc/{pidText}/cmdline").TrimEnd('\0').Split('\0');
            return argv.Length > spec.Arguments.Count && argv.TakeLast(spec.Arguments.Count).SequenceEqual(spec.Arguments, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The real uid of a process (the first number of the Uid: line of /proc/&lt;pid&gt;/status).</summary>
    private static uint? Uid(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = line?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 1 } && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
