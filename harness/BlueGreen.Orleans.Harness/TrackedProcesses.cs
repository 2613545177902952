using System.Collections.Concurrent;
using System.Diagnostics;

namespace BlueGreen.Orleans.Harness;

/// <summary>
/// Every process the harness starts, so that none outlives the test run: each owner stops its own by PID, and this
/// safety net kills what is left when the test process exits (a crashed test, an aborted run).
/// </summary>
public static class TrackedProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    static TrackedProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    public static void Track(Process process) => Running[process.Id] = process;

    public static void Untrack(Process process) => Running.TryRemove(process.Id, out _);

    /// <summary>Kills a process and its children by PID and waits for it to exit.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(wait.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            Untrack(process);
        }
    }

    private static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
