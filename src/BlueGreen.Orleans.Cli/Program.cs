using BlueGreen.Orleans.Cli;
using Spectre.Console;

return await BlueGreenCli.RunAsync(args, AnsiConsole.Console);
