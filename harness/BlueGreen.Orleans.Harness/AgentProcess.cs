using System.Diagnostics;
using System.Text;

namespace BlueGreen.Orleans.Harness;

/// <summary>
/// A real bluegreen-agent process (its dll, built beside the tests: a test project references the agent project), stopped
/// by PID; its output kept for messages.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "bluegreen-agent.dll");

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

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

    /// <param name="executable">A published agent (e.g. native, from <c>dotnet publish -r linux-x64</c>); null: the dll beside the tests.</param>
    public static AgentProcess Start(IEnumerable<string> arguments, string? executable = null)
    {
        var start = new ProcessStartInfo(executable ?? EchoInstance.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (executable is null)
        {
            start.ArgumentList.Add(DllPath);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bluegreen-agent.");
        TrackedProcesses.Track(process);
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Runs the agent to its exit (a command line it refuses); returns the exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> arguments)
    {
        await using var agent = Start(arguments);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await agent._process.WaitForExitAsync(wait.Token);
        return (agent._process.ExitCode, agent.Output);
    }

    /// <summary>kill -9 by PID: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(wait.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await TrackedProcesses.StopAsync(_process);
        _process.Dispose();
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
