using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace BlueGreen.Orleans.Harness;

/// <summary>A real bluegreen-server process, killed with SIGKILL by PID when the test wants a crash, and on dispose.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;
    private IHost? _client;

    /// <param name="processCommands">
    /// The programs the process runtime may run (<c>BlueGreen:Runtimes:Process:AllowedCommands</c>); null: the echo
    /// server's (<see cref="EchoInstance.Dotnet"/>); empty: the process runtime stays off, as it is by default.
    /// </param>
    /// <param name="environment">Variables set in the server's environment, on top of this process's.</param>
    public ServerProcess(
        string dataDirectory,
        string? redis = null,
        string clusterId = "test",
        string role = "All",
        IEnumerable<string>? extraArguments = null,
        IEnumerable<string>? processCommands = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ExtraArguments = [.. extraArguments ?? []];
        _environment = environment ?? new Dictionary<string, string>();
        ProcessCommands = [.. processCommands ?? [EchoInstance.Dotnet]];
        Role = role;
        DataDirectory = dataDirectory;
        Redis = redis;
        ClusterId = clusterId;
        SiloPort = Loopback.FreePort();
        GatewayPort = Loopback.FreePort();
        GrpcPort = Loopback.FreePort();
        HttpPort = Loopback.FreePort();
    }

    public const string AdminToken = "admin-token-0123456789abcdef";

    public const string ReadToken = "read-token-0123456789abcdef";

    /// <summary>The names the server knows the two tokens by: what records and logs show.</summary>
    public const string AdminTokenName = "ci-admin";

    public const string ReadTokenName = "ci-reader";

    /// <summary>The gRPC gateway's port (HTTP/2 cleartext).</summary>
    public int GrpcPort { get; }

    public int HttpPort { get; }

    /// <summary>One scrape of the Prometheus endpoint on <see cref="HttpPort"/>, as Prometheus does it: no bearer token.</summary>
    public async Task<PrometheusScrape> ScrapeMetricsAsync(CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        return new PrometheusScrape(await http.GetStringAsync(new Uri($"http://127.0.0.1:{HttpPort}/metrics"), cancellationToken));
    }

    public string DataDirectory { get; }

    /// <summary>All (silo + gateway), Silo, or Gateway (an Orleans client serving gRPC).</summary>
    public string Role { get; }

    public string? Redis { get; }

    public string ClusterId { get; }

    public int SiloPort { get; }

    /// <summary>More command-line configuration, e.g. <c>--BlueGreen:ProxyMonitorInterval 00:00:01</c>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; }

    /// <summary>The programs the server's process runtime may run; empty: the runtime is off.</summary>
    public IReadOnlyList<string> ProcessCommands { get; }

    /// <summary>
    /// Where the tests' haproxy processes keep their map files and admin sockets (<see cref="TempFolder"/>): the
    /// server's maps root and Runtime API socket folder, so it writes nowhere else.
    /// </summary>
    public const string TestFilesRoot = "/tmp";

    /// <summary>The PID of the running server process (to kill it from outside, as a crash would).</summary>
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public int GatewayPort { get; }

    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("Not started.");

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

    public static string DllPath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            return Path.Combine(Repository.Root, "src", "BlueGreen.Orleans.Server", "bin", configuration, "net10.0", "bluegreen-server.dll");
        }
    }

    /// <summary>
    /// False: <see cref="StartAsync"/> waits for the ports but connects no Orleans client of the test (<see cref="Client"/>
    /// is unavailable), for a silo the test's plain client cannot reach, e.g. with the cluster's TLS or a Redis password.
    /// </summary>
    public bool ConnectClient { get; init; } = true;

    public async Task StartAsync()
    {
        Launch();
        if (Role != "Gateway")
        {
            await WaitForPortAsync(GatewayPort);
            _client = ConnectClient ? await ConnectAsync() : null;
        }

        // Kestrel starts after the silo: ready means every port of the process listens (a Silo has no gRPC port).
        if (Role != "Silo")
        {
            await WaitForPortAsync(GrpcPort);
        }

        await WaitForPortAsync(HttpPort);
    }

    /// <summary>Starts the process without waiting for it to be ready: for one expected to fail or never to join.</summary>
    public void Launch()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                DllPath,
                "--BlueGreen:Mode", Redis is null ? "Embedded" : "Cluster",
                "--BlueGreen:Role", Role,
                "--BlueGreen:DataDirectory", DataDirectory,
                "--BlueGreen:ClusterId", ClusterId,
                "--BlueGreen:SiloPort", SiloPort.ToString(CultureInfo.InvariantCulture),
                "--BlueGreen:GatewayPort", GatewayPort.ToString(CultureInfo.InvariantCulture),
                "--BlueGreen:ProxyMonitorInterval", "00:00:00.250",
                "--BlueGreen:DeploymentPollInterval", "00:00:00.050",
                "--Gateway:GrpcPort", GrpcPort.ToString(CultureInfo.InvariantCulture),
                "--Gateway:HttpPort", HttpPort.ToString(CultureInfo.InvariantCulture),
                "--Gateway:Tokens:" + AdminTokenName + ":Role", "Admin",
                "--Gateway:Tokens:" + AdminTokenName + ":File", TokenFile(AdminTokenName, AdminToken),
                "--Gateway:Tokens:" + ReadTokenName + ":Role", "Read",
                "--Gateway:Tokens:" + ReadTokenName + ":File", TokenFile(ReadTokenName, ReadToken),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDirectory,
        };
        if (Redis is not null)
        {
            start.ArgumentList.Add("--BlueGreen:Redis");
            start.ArgumentList.Add(Redis);
        }

        foreach (var argument in new[] { "--BlueGreen:Proxies:MapsRoot", TestFilesRoot, "--BlueGreen:Proxies:RuntimeApiSocketDirectories:0", TestFilesRoot })
        {
            start.ArgumentList.Add(argument);
        }

        // Off unless enabled, like a real server: each test says which programs its specs run.
        if (ProcessCommands.Count > 0)
        {
            start.ArgumentList.Add("--BlueGreen:Runtimes:Process:Enabled");
            start.ArgumentList.Add("true");
            for (var i = 0; i < ProcessCommands.Count; i++)
            {
                start.ArgumentList.Add($"--BlueGreen:Runtimes:Process:AllowedCommands:{i.ToString(CultureInfo.InvariantCulture)}");
                start.ArgumentList.Add(ProcessCommands[i]);
            }
        }

        foreach (var argument in ExtraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        Directory.CreateDirectory(DataDirectory);
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bluegreen-server.");
        TrackedProcesses.Track(_process);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The exit code once the process has exited, or null while it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("Not started.");
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Writes a token into a file of the data directory (as an operator would, readable by the owner only).</summary>
    private string TokenFile(string name, string token)
    {
        Directory.CreateDirectory(DataDirectory);
        var path = Path.Combine(DataDirectory, name + ".token");
        File.WriteAllText(path, token + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    /// <summary>SIGKILL: no shutdown hooks, no final writes. What was persisted is all there is.</summary>
    public async Task KillAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync(TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            _client.Dispose();
            _client = null;
        }

        if (_process is not null)
        {
            // Only the server's own PID, like an OOM kill: the instances it started keep running, as they would.
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }

            await _process.WaitForExitAsync();
            TrackedProcesses.Untrack(_process);
            _process.Dispose();
            _process = null;
        }
    }

    public ValueTask DisposeAsync() => new(KillAsync());

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                // The exit can be seen before the last lines it wrote: waiting for the exit also waits for the
                // redirected output's end, so the message carries why it stopped.
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"bluegreen-server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"bluegreen-server port {port} not listening within 60 s:\n{Output}");
    }

    private async Task<IHost> ConnectAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(c =>
            {
                c.ServiceId = "bluegreen";
                c.ClusterId = ClusterId;
            });
            if (Redis is null)
            {
                client.UseLocalhostClustering(GatewayPort, "bluegreen", ClusterId);
            }
            else
            {
                client.UseRedisClustering(r => r.ConfigurationOptions = ConfigurationOptions.Parse(Redis));
            }
        });
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 256 * 1024)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
