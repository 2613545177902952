using System.CommandLine;
using BlueGreen.Orleans.Cli.Commands;
using Spectre.Console;

namespace BlueGreen.Orleans.Cli;

/// <summary>The <c>bluegreen</c> command tree; one file per command under Commands/.</summary>
public static class BlueGreenCli
{
    public static RootCommand Build(IAnsiConsole console)
    {
        var globals = new GlobalOptions();
        var runner = new CommandRunner(console, globals);
        var root = new RootCommand("bluegreen: zero-downtime blue/green deployments behind HAProxy fleets.");
        globals.AddTo(root);

        var proxy = new Command("proxy", "Register, list and inspect HAProxy instances.");
        proxy.Subcommands.Add(ProxyAddCommand.Create(runner));
        proxy.Subcommands.Add(ProxyRemoveCommand.Create(runner));
        proxy.Subcommands.Add(ProxyListCommand.Create(runner));
        proxy.Subcommands.Add(ProxyShowCommand.Create(runner));
        root.Subcommands.Add(proxy);

        var service = new Command("service", "Apply, list, inspect and delete services.");
        service.Subcommands.Add(ServiceApplyCommand.Create(runner));
        service.Subcommands.Add(ServiceListCommand.Create(runner));
        service.Subcommands.Add(ServiceShowCommand.Create(runner));
        service.Subcommands.Add(ServiceRemoveCommand.Create(runner));
        root.Subcommands.Add(service);

        var haproxy = new Command("haproxy", "What an HAProxy needs to serve services (offline).");
        haproxy.Subcommands.Add(HaProxyConfigCommand.Create(console));
        root.Subcommands.Add(haproxy);

        root.Subcommands.Add(ReleaseCommand.Create(runner));
        root.Subcommands.Add(PromoteCommand.Create(runner));
        root.Subcommands.Add(RollbackCommand.Create(runner));
        root.Subcommands.Add(AbortCommand.Create(runner));
        root.Subcommands.Add(ApproveCommand.Create(runner));
        root.Subcommands.Add(HistoryCommand.Create(runner));
        root.Subcommands.Add(WatchCommand.Create(runner));
        root.Subcommands.Add(InstancesCommand.Create(runner));
        root.Subcommands.Add(MaintenanceCommand.Create(runner));
        return root;
    }

    /// <summary>Parses and runs; a command line that does not parse ends with <see cref="ExitCodes.Usage"/>.</summary>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken = default)
    {
        var parse = Build(console).Parse(args);
        if (UnknownCommand(parse) is { } unknown)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(unknown)}");
            console.MarkupLine("Run [bold]bluegreen --help[/] for usage.");
            return ExitCodes.Usage;
        }

        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                // The parser quotes the offending token: keep a hostile one from acting on the terminal or filling it,
                // one line per error.
                console.MarkupLine($"[red]error:[/] {Markup.Escape(Names.Printable(error.Message.ReplaceLineEndings(" "), 300))}");
            }

            console.MarkupLine("Run [bold]bluegreen --help[/] for usage.");
            return ExitCodes.Usage;
        }

        var writer = console.Profile.Out.Writer;
        return await parse.InvokeAsync(new InvocationConfiguration { Output = writer, Error = writer }, cancellationToken);
    }

    /// <summary>
    /// A word where a command was expected (<c>bluegreen relase web</c>): one line naming it and the closest commands
    /// of that level, instead of the parser's line per word it could not match.
    /// </summary>
    private static string? UnknownCommand(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (command.Subcommands.Count == 0 || parse.UnmatchedTokens.Count == 0 || parse.UnmatchedTokens[0].StartsWith('-'))
        {
            return null;
        }

        var typed = parse.UnmatchedTokens[0];
        var known = command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name));
        return $"unknown command '{Names.Printable(typed)}'.{Suggestions.DidYouMean(typed, known)}";
    }
}
