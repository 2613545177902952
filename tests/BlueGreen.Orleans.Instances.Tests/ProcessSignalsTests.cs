using System.Diagnostics;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Instances.Tests.Support;

namespace BlueGreen.Orleans.Instances.Tests;

/// <summary>Real processes: a process group whose only member is a zombie, as a server running as PID 1 sees them.</summary>
public sealed class ProcessSignalsTests
{
    private const string Busybox = "/bin/busybox";

    [Fact]
    public async Task GroupAlive_OnlyAZombieLeft_False()
    {
        // The setsid child leads a group of its own and exits at once; the exec'd sleep, its parent, never waits for it:
        // a zombie, the last member of its group, which kill(-pgid, 0) still finds.
        using var parent = Process.Start(new ProcessStartInfo(Busybox)
        {
            ArgumentList = { "sh", "-c", $"{Busybox} setsid {Busybox} true & exec {Busybox} sleep 60" },
        })!;
        var started = new StartedProcesses();
        started.Add(parent.Id);
        try
        {
            var zombie = await Eventually.UntilAsync(
                () => Task.FromResult(ProcessTable.Pids().FirstOrDefault(pid => ProcStat.Read(pid) is { State: 'Z' } stat && stat.ParentPid == parent.Id)),
                pid => pid != 0,
                TimeSpan.FromSeconds(5),
                "a zombie child of the sleep");

            Assert.Equal(zombie, ProcStat.Read(zombie)!.Value.ProcessGroup);
            Assert.False(ProcessSignals.GroupAlive(zombie));
            Assert.True(ProcessSignals.GroupAlive(ProcStat.Read(parent.Id)!.Value.ProcessGroup));
        }
        finally
        {
            await started.KillAllAsync();
        }
    }
}
