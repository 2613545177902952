using System.Diagnostics;
using System.Globalization;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>kill(1) by PID: SIGSTOP/SIGCONT to freeze and thaw a process (.NET itself can only send SIGKILL).</summary>
public static class Signals
{
    public static Task StopAsync(int pid) => SendAsync("STOP", pid);

    public static Task ContinueAsync(int pid) => SendAsync("CONT", pid);

    private static async Task SendAsync(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed with {kill.ExitCode}.");
        }
    }
}
