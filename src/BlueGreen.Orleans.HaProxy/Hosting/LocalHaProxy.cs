using System.Diagnostics;
using System.Text;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Hosting;

/// <summary>
/// An <c>haproxy</c> process on this host in master-worker mode (<c>-W -db</c>): started from a config file, reloaded
/// with SIGUSR2 to the master (a new worker takes over, the old one drains), stopped by PID. Used by the demo, the
/// benchmarks and the tests; production proxies are usually run by systemd and only reached through their API.
/// </summary>
public sealed class LocalHaProxy : IAsyncDisposable
{
    private const int SigUsr2 = 12;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LocalHaProxy(Process process, string configPath, RuntimeEndpoint runtimeApi, RuntimeEndpoint? masterApi)
    {
        _process = process;
        ConfigPath = configPath;
        RuntimeApi = runtimeApi;
        MasterApi = masterApi;
    }

    public string ConfigPath { get; }

    public RuntimeEndpoint RuntimeApi { get; }

    /// <summary>The master CLI (<c>-S</c>), when started with one.</summary>
    public RuntimeEndpoint? MasterApi { get; }

    /// <summary>The master process id: the one to signal and to stop.</summary>
    public int MasterPid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What haproxy printed so far (bounded), for error messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The master process, for callers that track the processes they start.</summary>
    public Process Process => _process;

    /// <summary>Runs <c>haproxy -c -f</c>; throws with HAProxy's own words when the config is invalid.</summary>
    public static async Task CheckConfigAsync(string configPath, string haproxy = "haproxy", CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(haproxy, ["-c", "-f", configPath]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {haproxy}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"haproxy -c -f {configPath} failed ({process.ExitCode}):\n{await stdout}{await stderr}");
        }
    }

    /// <summary>
    /// Starts haproxy and waits until its Runtime API answers <c>show info</c>. With <paramref name="masterApi"/>, the
    /// master CLI listens there (<c>-S</c>, as <see cref="HaProxyConfigRenderer.MasterSocketArgument(RuntimeEndpoint, string?)"/>
    /// renders it, open to <paramref name="masterGroup"/> too when given).
    /// </summary>
    public static async Task<LocalHaProxy> StartAsync(
        string configPath, RuntimeEndpoint runtimeApi, string haproxy = "haproxy", TimeSpan? startTimeout = null, RuntimeEndpoint? masterApi = null,
        string? masterGroup = null, CancellationToken cancellationToken = default)
    {
        string[] master = masterApi is null ? [] : ["-S", HaProxyConfigRenderer.MasterSocketArgument(masterApi, masterGroup)];
        var start = new ProcessStartInfo(haproxy, ["-W", "-db", .. master, "-f", configPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(configPath)),
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {haproxy}.");
        var proxy = new LocalHaProxy(process, configPath, runtimeApi, masterApi);
        process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var timeout = startTimeout ?? TimeSpan.FromSeconds(10);
            await proxy.WaitForWorkerAsync(previousPid: null, timeout, cancellationToken);
            // The master reports "Loading success." once it has taken the worker in; signals sent before are not safe.
            var deadline = DateTime.UtcNow + timeout;
            while (!proxy.Output.Contains("Loading success.", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, cancellationToken);
            }

            await proxy.WaitForMasterAsync(null, deadline, cancellationToken);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>The pid of the worker that answers the Runtime API now.</summary>
    public async Task<int> GetWorkerPidAsync(CancellationToken cancellationToken = default)
    {
        await using var client = new HaProxyRuntimeClient(RuntimeApi);
        return (await client.ShowInfoAsync(cancellationToken)).Pid;
    }

    /// <summary>Reloads like <c>systemctl reload haproxy</c>: SIGUSR2 to the master, then waits for the new worker.</summary>
    public async Task<int> ReloadAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var before = await GetWorkerPidAsync(cancellationToken);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (NativeMethods.Kill(MasterPid, SigUsr2) != 0)
            {
                throw new InvalidOperationException($"kill -USR2 {MasterPid} failed.");
            }

            // Seen on 2.6.12 under load: a master now and then handles SIGUSR2 without reloading. Signalling again is
            // harmless (at worst one more reload), so resend when no new worker shows up within a few seconds.
            var wait = TimeSpan.FromSeconds(3) < deadline - DateTime.UtcNow ? TimeSpan.FromSeconds(3) : deadline - DateTime.UtcNow;
            try
            {
                var worker = await WaitForWorkerAsync(before, wait, cancellationToken);
                await WaitForMasterAsync(worker, deadline, cancellationToken);
                return worker;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>Stops the master and its workers by PID (SIGKILL) and waits for them to exit.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private async Task<int> WaitForWorkerAsync(int? previousPid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                await using var client = new HaProxyRuntimeClient(RuntimeApi, new HaProxyRuntimeOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) });
                var info = await client.ShowInfoAsync(cancellationToken);
                if (!info.Stopping && info.Pid != previousPid)
                {
                    return info.Pid;
                }
            }
            catch (Exception e) when (e is HaProxyConnectionException or HaProxyTimeoutException)
            {
                last = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken);
        }

        throw new TimeoutException($"haproxy ({ConfigPath}) had no new worker on {RuntimeApi} within {timeout.TotalSeconds:0.#} s: {last?.Message}\n{Output}");
    }

    /// <summary>
    /// Waits until the master CLI answers <c>show proc</c> (listing <paramref name="worker"/> as current, when given):
    /// the master accepts connections only once it has taken its new worker in, a moment after it started or
    /// re-executed itself for a reload.
    /// </summary>
    private async Task WaitForMasterAsync(int? worker, DateTime deadline, CancellationToken cancellationToken)
    {
        if (MasterApi is null)
        {
            return;
        }

        var master = new HaProxyMasterClient(MasterApi, new HaProxyRuntimeOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) });
        Exception? last = null;
        do
        {
            try
            {
                var processes = await master.ShowProcAsync(cancellationToken);
                if (worker is null || processes.Workers.Any(w => w.Pid == worker))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HaProxyConnectionException or HaProxyTimeoutException)
            {
                last = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"haproxy ({ConfigPath}): the master CLI on {MasterApi} did not answer in time: {last?.Message}\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
