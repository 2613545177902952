using System.Diagnostics;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Harness;
using Spectre.Console;

namespace BlueGreen.Orleans.Testing;

/// <summary>Runs the real command tree against a plain-text console and returns the exit code and what it printed.</summary>
public static class CliRun
{
    public static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        var exit = await BlueGreenCli.RunAsync(args, console);
        return (exit, writer.ToString());
    }

    /// <summary>
    /// Runs the built <c>bluegreen</c> as its own process with its output in a pipe (not a terminal), with
    /// <paramref name="environment"/> added (a null value removes the variable): what a script or a log sees, through
    /// Program.cs. Stopped by PID if it has not ended within a minute.
    /// </summary>
    public static async Task<(int Exit, string Output)> RunProcessAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(EchoInstance.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bluegreen.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        TrackedProcesses.Track(process);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            await TrackedProcesses.StopAsync(process);
        }
    }
}
