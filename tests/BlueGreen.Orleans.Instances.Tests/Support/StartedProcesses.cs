namespace BlueGreen.Orleans.Instances.Tests.Support;

/// <summary>
/// Processes a test caused to start, remembered by pid + start time, and SIGKILLed (their whole process group too)
/// at the end of the test whatever the runtime under test did or failed to do.
/// </summary>
internal sealed class StartedProcesses
{
    private readonly List<(int Pid, ulong StartTime)> _started = [];

    public void Add(int pid)
    {
        if (ProcStat.Read(pid) is { } stat)
        {
            lock (_started)
            {
                _started.Add((pid, stat.StartTime));
            }
        }
    }

    public async Task KillAllAsync()
    {
        (int Pid, ulong StartTime)[] started;
        lock (_started)
        {
            started = [.. _started];
            _started.Clear();
        }

        foreach (var (pid, startTime) in started)
        {
            // The start time check keeps a recycled pid (someone else's process) safe.
            if (ProcStat.Read(pid) is { } stat && stat.StartTime == startTime)
            {
                if (stat.ProcessGroup == pid)
                {
                    _ = NativeMethods.Kill(-pid, NativeMethods.SigKill);
                }

                _ = NativeMethods.Kill(pid, NativeMethods.SigKill);
                await ProcessTable.WaitGoneAsync(pid, TimeSpan.FromSeconds(5));
            }
        }
    }
}
