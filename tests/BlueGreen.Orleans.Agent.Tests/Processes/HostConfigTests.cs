using System.Diagnostics;
using System.Globalization;
using BlueGreen.Orleans.HaProxy.Hosting;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Agent.Tests.Processes;

/// <summary>
/// The README's host B: the haproxy.cfg that <c>bluegreen haproxy config</c> renders with its options (paths in a
/// temporary folder, the frontend on loopback), run by a real haproxy as root, as Debian's unit runs it, with the master
/// CLI the config's first line names (<c>EXTRAOPTS</c> in the README). Its workers run as <c>haproxy</c>, jailed in an
/// empty folder (<c>chroot</c>), and its Runtime
/// API socket and its master CLI are open to the group <c>haproxy</c> that <c>bluegreen-agent</c>'s user is in, and to
/// no other user.
/// </summary>
public sealed class HostConfigTests : IDisposable
{
    private const string Group = "haproxy";

    private readonly TempFolder _folder = new("hostb");

    [Fact]
    public async Task HaProxyConfig_HostB_WorkersRunAsHaProxyAndOnlyTheSocketGroupReachesTheRuntimeApiAndTheMasterCli()
    {
        var spec = _folder.File("web.yaml");
        await File.WriteAllTextAsync(spec, """
            name: web
            route_key: web.example.com
            proxies: [edge-1]
            blue:
              runtime: external
              instances: [{ server: s1, address: 127.0.0.1, port: 3001 }]
            green:
              runtime: external
              instances: [{ server: s1, address: 127.0.0.1, port: 3002 }]
            """);
        var socket = _folder.File("admin.sock");
        var masterSocket = _folder.File("master.sock");
        var map = _folder.File("hosts.map");
        // Debian's /var/lib/haproxy, as the README renders it: an empty folder the workers are jailed in.
        var jail = _folder.File("jail");
        Directory.CreateDirectory(jail);
        var frontend = Loopback.NextAddress();
        var port = Loopback.FreePort(frontend).ToString(CultureInfo.InvariantCulture);

        var render = await CliRun.RunAsync(
            "haproxy", "config", "-f", spec, "--name", "edge-1", "--frontend", $"{frontend}:{port}", "--runtime-api", $"unix://{socket}",
            "--socket-group", Group, "--user", Group, "--group", Group, "--chroot", jail, "--master-api", $"unix://{masterSocket}", "--map-file", map);
        Assert.True(render.Exit == 0, render.Output);
        Assert.Contains($"stats socket {socket} mode 660 group {Group} level admin", render.Output, StringComparison.Ordinal);
        Assert.Contains($"haproxy -W -S {masterSocket},mode,660,group,{Group},level,user -f <this file>", render.Output, StringComparison.Ordinal);
        var config = _folder.File("haproxy.cfg");
        await File.WriteAllTextAsync(config, render.Output);
        await File.WriteAllTextAsync(map, string.Empty);

        await using var haproxy = await LocalHaProxy.StartAsync(
            config, RuntimeEndpoint.Parse($"unix://{socket}"), masterApi: RuntimeEndpoint.Parse($"unix://{masterSocket}"), masterGroup: Group);
        TrackedProcesses.Track(haproxy.Process);

        // The master stays root (it binds, reads the config and map files, re-executes on a reload); the worker, which
        // parses every client's request, runs as haproxy.
        var workerPid = HaProxyInfo.Parse((await RunAsync("show info", "socat", "-", $"UNIX-CONNECT:{socket}")).Output).Pid;
        Assert.Equal(("0", "0"), Ids(haproxy.Process.Id));
        Assert.Equal((AccountId("/etc/passwd"), AccountId("/etc/group")), Ids(workerPid));
        // The worker sees nothing of the host's files but the empty jail; the master, which re-executes, sees them all.
        Assert.Equal(jail, new DirectoryInfo($"/proc/{workerPid}/root").LinkTarget);
        Assert.Equal("/", new DirectoryInfo($"/proc/{haproxy.Process.Id}/root").LinkTarget);

        Assert.Equal($"660 root {Group}", (await RunAsync("show info", "stat", "-c", "%a %U %G", socket)).Output.Trim());
        Assert.Equal($"660 root {Group}", (await RunAsync("show proc", "stat", "-c", "%a %U %G", masterSocket)).Output.Trim());
        // nobody with the group as a supplementary group, as the agent's unit runs (--groups haproxy), then without it.
        var member = await RunAsync("show info", "setpriv", "--reuid=nobody", "--regid=nogroup", $"--groups={GroupId()}", "socat", "-", $"UNIX-CONNECT:{socket}");
        var outsider = await RunAsync("show info", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "socat", "-", $"UNIX-CONNECT:{socket}");
        var masterMember = await RunAsync("show proc", "setpriv", "--reuid=nobody", "--regid=nogroup", $"--groups={GroupId()}", "socat", "-", $"UNIX-CONNECT:{masterSocket}");
        var masterOutsider = await RunAsync("show proc", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "socat", "-", $"UNIX-CONNECT:{masterSocket}");

        Assert.True(member.Exit == 0 && member.Output.Contains("Name: HAProxy", StringComparison.Ordinal), member.Output);
        Assert.True(outsider.Exit != 0 && outsider.Output.Contains("Permission denied", StringComparison.Ordinal), outsider.Output);
        Assert.True(masterMember.Exit == 0 && masterMember.Output.Contains("master", StringComparison.Ordinal), masterMember.Output);
        Assert.True(masterOutsider.Exit != 0 && masterOutsider.Output.Contains("Permission denied", StringComparison.Ordinal), masterOutsider.Output);
    }

    public void Dispose() => _folder.Dispose();

    private static string GroupId() => AccountId("/etc/group");

    /// <summary>The id of the account named <see cref="Group"/> (user and group alike, as Debian's package creates them).</summary>
    private static string AccountId(string file) =>
        File.ReadLines(file).Select(l => l.Split(':')).Single(f => f[0] == Group)[2];

    /// <summary>A process's effective user and group ids, from <c>/proc/PID/status</c>.</summary>
    private static (string Uid, string Gid) Ids(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/status");
        string Effective(string key) => lines.Single(l => l.StartsWith(key, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        return (Effective("Uid:"), Effective("Gid:"));
    }

    /// <summary>Runs a program with <paramref name="command"/> offered on its stdin; stopped by PID if it has not ended in 10 s.</summary>
    private static async Task<(int Exit, string Output)> RunAsync(string command, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        TrackedProcesses.Track(process);
        try
        {
            try
            {
                await process.StandardInput.WriteLineAsync(command);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It ended without reading its input (stat; socat refused the connection): its output says why.
            }

            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            await TrackedProcesses.StopAsync(process);
        }
    }
}
