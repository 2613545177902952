using System.Diagnostics;
using BlueGreen.Orleans.HaProxy.Config;

namespace BlueGreen.Orleans.Harness;

/// <summary>A real echo server process (bluegreen-echo) on a loopback address, stopped by PID.</summary>
public sealed class EchoInstance : IAsyncDisposable
{
    private readonly Process _process;

    private EchoInstance(Process process, string address, int port, string colour, string version)
    {
        _process = process;
        Address = address;
        Port = port;
        Colour = colour;
        Version = version;
    }

    public string Address { get; }

    public int Port { get; }

    public string Colour { get; }

    public string Version { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public BackendServer AsServer(string name) => new(name, Address, Port);

    /// <summary>
    /// The echo dll, built next to the harness (see the ProjectReference in the csproj), where every user can read it:
    /// a server running as root starts its process instances as an unprivileged user.
    /// </summary>
    public static string DllPath => ReadableCopy.IsReadableByAll(BuiltDllPath) ? BuiltDllPath : ReadableCopy.Of(ProjectDllPath);

    /// <summary>
    /// The dotnet host by absolute path, as a server's process runtime wants a command (its allow-list compares
    /// absolute paths exactly): the first <c>dotnet</c> on this process's PATH.
    /// </summary>
    public static string Dotnet { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(Path.IsPathFullyQualified)
            .Select(folder => Path.Combine(folder, "dotnet"))
            .FirstOrDefault(File.Exists) ?? "/usr/bin/dotnet";

    private static string BuiltDllPath
    {
        get
        {
            var local = Path.Combine(AppContext.BaseDirectory, "bluegreen-echo.dll");
            return File.Exists(local) ? local : ProjectDllPath;
        }
    }

    /// <summary>The echo project's own build (a small folder, unlike a test project's output).</summary>
    private static string ProjectDllPath
    {
        get
        {
            // tests/X/bin/<cfg>/net10.0 → src/BlueGreen.Orleans.EchoServer/bin/<cfg>/net10.0
            var here = AppContext.BaseDirectory;
            var configuration = new DirectoryInfo(here).Parent!.Name;
            return Path.Combine(Repository.Root, "src", "BlueGreen.Orleans.EchoServer", "bin", configuration, "net10.0", "bluegreen-echo.dll");
        }
    }

    /// <summary>
    /// The command line of an echo instance as a service spec writes it: the orchestrator fills in the placeholders.
    /// </summary>
    public static IReadOnlyList<string> TemplateArguments =>
        [DllPath, "--address", "{address}", "--port", "{port}", "--colour", "{colour}", "--version", "{version}"];

    /// <summary>Starts an echo server and waits until it accepts connections (and, when healthy, answers /healthz).</summary>
    public static async Task<EchoInstance> StartAsync(
        string colour,
        string version = "1",
        string? address = null,
        int? port = null,
        TimeSpan? delay = null,
        bool healthy = true,
        CancellationToken cancellationToken = default)
    {
        address ??= "127.0.0.1";
        var chosenPort = port ?? Loopback.FreePort(address);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                DllPath, "--address", address, "--port", chosenPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--colour", colour, "--version", version, "--instance-id", $"{colour}-{chosenPort}",
                "--delay-ms", ((int)(delay ?? TimeSpan.Zero).TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--healthy", healthy ? "true" : "false",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the echo server.");
        TrackedProcesses.Track(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var instance = new EchoInstance(process, address, chosenPort, colour, version);
        try
        {
            await instance.WaitReadyAsync(healthy, cancellationToken);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    public Task StopAsync() => TrackedProcesses.StopAsync(_process);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private async Task WaitReadyAsync(bool healthy, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"echo server exited with {_process.ExitCode}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Address}:{Port}/healthz"), cancellationToken);
                if (!healthy || response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"echo server on {Address}:{Port} did not answer within 20 s.");
    }
}
