using BlueGreen.Orleans.Cli;
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
}
