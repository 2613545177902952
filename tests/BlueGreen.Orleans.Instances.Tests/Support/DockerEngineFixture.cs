using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using BlueGreen.Orleans.Harness;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace BlueGreen.Orleans.Instances.Tests.Support;

/// <summary>
/// A private dockerd (own data root, exec root, socket and pid file under /tmp/bgd-*), no bridge and no iptables, so it
/// touches neither the host's network nor another engine; plus one image built FROM scratch with busybox, since nothing
/// can be pulled. Stopped by PID (SIGTERM, then SIGKILL) with the containerd it spawned, and its folder deleted.
/// If dockerd cannot start, every Docker test fails with dockerd's own output.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit calls IAsyncLifetime.DisposeAsync, which releases the client and the folder.")]
public sealed class DockerEngineFixture : IAsyncLifetime
{
    public const string Image = "bluegreen-test/busybox:1";

    private const int OutputLines = 300;

    private readonly ConcurrentQueue<string> _output = new();
    private readonly SemaphoreSlim _networkGate = new(1, 1);
    private string? _network;
    private string? _bridge;
    private TempFolder? _folder;
    private Process? _dockerd;
    private DockerClientConfiguration? _configuration;
    private DockerClient? _client;

    /// <summary>unix:///tmp/bgd-…/docker.sock (about 55 bytes; unix socket paths stop at 107).</summary>
    public string Endpoint => $"unix://{Folder}/docker.sock";

    /// <summary>A direct client, for checks and cleanup independent of the runtime under test.</summary>
    public DockerClient Client => _client ?? throw new InvalidOperationException("The engine has not started.");

    /// <summary>dockerd's last lines of output.</summary>
    public string Output => string.Join('\n', _output);

    private string Folder => _folder?.Path ?? throw new InvalidOperationException("The engine has not started.");

    public async Task InitializeAsync()
    {
        try
        {
            await StartEngineAsync();
            await BuildImageAsync();
        }
        catch
        {
            // Leave nothing behind whether or not xunit disposes a fixture that failed to start (DisposeAsync is idempotent).
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A bridge network of this engine only, made on first use for the tests of published ports (the engine has no
    /// default bridge): a Linux bridge <c>bgt-…</c> with a /29 of its own, no NAT, no firewall rules. A client still
    /// talks to 127.0.0.x only; docker-proxy, on the host, relays to the container over that bridge. Removed with the engine.
    /// </summary>
    public async Task<string> BridgeNetworkAsync()
    {
        await _networkGate.WaitAsync();
        try
        {
            if (_network is not null)
            {
                return _network;
            }

            var suffix = Guid.NewGuid().ToString("N")[..8];
            DockerApiException? last = null;
            // A /29 that no other engine on this machine holds: Docker refuses one that overlaps a route.
            foreach (var octet in Enumerable.Range(0, 8).Select(_ => Random.Shared.Next(0, 256)))
            {
                try
                {
                    var name = $"bgt-{suffix}";
                    await Client.Networks.CreateNetworkAsync(new NetworksCreateParameters
                    {
                        Name = name,
                        Driver = "bridge",
                        IPAM = new IPAM { Config = [new IPAMConfig { Subnet = $"10.213.{octet}.0/29" }] },
                        Options = new Dictionary<string, string> { ["com.docker.network.bridge.name"] = name },
                    });
                    _bridge = name;
                    _network = name;
                    return name;
                }
                catch (DockerApiException e)
                {
                    last = e;
                }
            }

            throw new InvalidOperationException($"Could not create a bridge network on the test engine: {last?.Message}\n{Output}");
        }
        finally
        {
            _networkGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await RemoveAllContainersAsync();
            await RemoveNetworkAsync();
        }

        _client?.Dispose();
        _configuration?.Dispose();
        _client = null;
        _configuration = null;

        if (_dockerd is not null)
        {
            await StopAsync(_dockerd.Id, TimeSpan.FromSeconds(20));
            await TrackedProcesses.StopAsync(_dockerd);
            _dockerd.Dispose();
            _dockerd = null;
        }

        if (_folder is not null)
        {
            // dockerd stops its containerd on SIGTERM, but not when it had to be SIGKILLed, and a containerd-shim
            // outlives both by design: anything still naming our folder on its command line is ours to stop.
            foreach (var pid in ProcessTable.WithCommandLine(_folder.Path))
            {
                await StopAsync(pid, TimeSpan.FromSeconds(10));
            }

            UnmountUnder(_folder.Path);
            _folder.Dispose();
            _folder = null;
        }

        // An engine that had to be killed leaves its bridge on the host: ours by its unique name, so delete it.
        if (_bridge is not null && Directory.Exists($"/sys/class/net/{_bridge}"))
        {
            using var ip = Process.Start(new ProcessStartInfo("ip") { ArgumentList = { "link", "delete", _bridge }, UseShellExecute = false });
            await ip!.WaitForExitAsync();
        }

        _bridge = null;
        _networkGate.Dispose();
    }

    private async Task RemoveNetworkAsync()
    {
        if (_network is null)
        {
            return;
        }

        try
        {
            await Client.Networks.DeleteNetworkAsync(_network);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            // The engine is gone already: the bridge is deleted below, by name.
        }

        _network = null;
    }

    private async Task StartEngineAsync()
    {
        _folder = new TempFolder("bgd");
        // An empty config file, so /etc/docker/daemon.json of this machine changes nothing.
        await File.WriteAllTextAsync(Path.Combine(Folder, "daemon.json"), "{}");
        var start = new ProcessStartInfo("/usr/sbin/dockerd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--config-file", $"{Folder}/daemon.json",
            "--data-root", $"{Folder}/data",
            "--exec-root", $"{Folder}/exec",
            "--pidfile", $"{Folder}/docker.pid",
            "--host", Endpoint,
            // Host networking only: no docker0, no NAT, no firewall rules, no sysctl changes.
            "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _dockerd = Process.Start(start) ?? throw new InvalidOperationException("Could not start dockerd.");
        TrackedProcesses.Track(_dockerd);
        _dockerd.OutputDataReceived += (_, line) => Keep(line.Data);
        _dockerd.ErrorDataReceived += (_, line) => Keep(line.Data);
        _dockerd.BeginOutputReadLine();
        _dockerd.BeginErrorReadLine();

        _configuration = new DockerClientConfiguration(new Uri(Endpoint));
        _client = _configuration.CreateClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_dockerd.HasExited)
            {
                throw new InvalidOperationException($"dockerd exited with code {_dockerd.ExitCode} before answering /_ping. Its output:\n{Output}");
            }

            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.System.PingAsync(attempt.Token);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or OperationCanceledException or DockerApiException)
            {
                last = e;
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"dockerd did not answer /_ping on {Endpoint} within 60 s ({last?.Message}). Its output:\n{Output}");
    }

    /// <summary>FROM scratch + /bin/busybox: the whole userland these tests need, built without any registry.</summary>
    private async Task BuildImageAsync()
    {
        using var context = new MemoryStream();
        using (var tar = new TarWriter(context, TarEntryFormat.Pax, leaveOpen: true))
        {
            var dockerfile = "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\n"u8.ToArray();
            using var dockerfileStream = new MemoryStream(dockerfile);
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile")
            {
                DataStream = dockerfileStream,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            });
            // From the file itself, so the entry keeps its executable mode.
            await tar.WriteEntryAsync("/bin/busybox", "busybox");
        }

        context.Position = 0;
        var progress = new CollectingProgress();
        await Client.Images.BuildImageFromDockerfileAsync(
            new ImageBuildParameters { Tags = [Image], Remove = true, ForceRemove = true },
            context,
            authConfigs: null,
            headers: null,
            progress);
        if (progress.Errors.Count > 0)
        {
            throw new InvalidOperationException($"Building {Image} failed: {string.Join("; ", progress.Errors)}\n{progress.Text}");
        }

        // The build call succeeds even when the build did not: ask for the image itself.
        await Client.Images.InspectImageAsync(Image);
    }

    private async Task RemoveAllContainersAsync()
    {
        try
        {
            foreach (var container in await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true }))
            {
                await Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            // The engine is gone already; the process sweep in DisposeAsync handles what is left.
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; by PID only.</summary>
    private static async Task StopAsync(int pid, TimeSpan grace)
    {
        if (!ProcessTable.IsAlive(pid))
        {
            return;
        }

        _ = NativeMethods.Kill(pid, NativeMethods.SigTerm);
        if (!await ProcessTable.WaitGoneAsync(pid, grace))
        {
            _ = NativeMethods.Kill(pid, NativeMethods.SigKill);
            await ProcessTable.WaitGoneAsync(pid, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Mounts dockerd leaves under its folder (exec/netns/default is an nsfs mount that outlives it), deepest first.</summary>
    private static void UnmountUnder(string folder)
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(target => target.StartsWith(folder + "/", StringComparison.Ordinal))
            .OrderByDescending(target => target.Length);
        foreach (var target in mounts)
        {
            _ = NativeMethods.Unmount(target, NativeMethods.MountDetach);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLines && _output.TryDequeue(out _))
        {
        }
    }
}
