using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Cli.Output;
using Spectre.Console;

var console = AnsiConsole.Console;
if (ConsoleWidth.Choose(!Console.IsOutputRedirected, Environment.GetEnvironmentVariable("COLUMNS")) is { } width)
{
    console.Profile.Width = width;
}

return await BlueGreenCli.RunAsync(args, console);
