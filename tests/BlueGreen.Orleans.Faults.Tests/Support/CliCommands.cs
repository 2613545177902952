using System.CommandLine;
using System.CommandLine.Help;
using BlueGreen.Orleans.Cli;

using Spectre.Console;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// The commands of the real <c>bluegreen</c> CLI, walked from its command tree (so a new command, argument or option
/// is found without a test change), and a valid command line for each against a <see cref="GatewayStage"/>.
/// </summary>
public static class CliCommands
{
    /// <summary>A proxy id no stage registers: what <c>proxy add</c> adds.</summary>
    public const string NewProxy = "edge-cli";

    /// <summary>
    /// Options that belong to one mode of a command (its flag), set only in the cases about them, with the mode's flag
    /// and without the options that mode refuses: <c>proxy add --credential-file</c> needs <c>--agent</c>, which takes
    /// none of the options that reach HAProxy directly. A mode without a flag is set by its options themselves
    /// (<c>release --canary 10,50,100 --step-interval 30s</c>); a command's modes exclude each other.
    /// </summary>
    private static readonly Dictionary<string, (string? Flag, string[] Options, string[] Refused)[]> Modes = new(StringComparer.Ordinal)
    {
        ["proxy add"] = [("--agent", ["--credential-file"], ["--runtime-api", "--map-file", "--map-file-write-path", "--master-api"])],
        ["release"] = [("--hold", ["--auto-approve-after"], []), (null, ["--canary", "--step-interval"], [])],
    };

    /// <summary>Every leaf command by its words, e.g. <c>proxy add</c>, <c>release</c>.</summary>
    public static IReadOnlyList<(string Path, Command Command)> Leaves() =>
        [.. Walk(BlueGreenCli.Build(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) })), string.Empty)];

    public static Command Find(string path) => Leaves().Single(l => l.Path == path).Command;

    /// <summary>The options that take a value (not flags, not help).</summary>
    public static IEnumerable<Option> Settable(Command command) =>
        command.Options.Where(o => o is not HelpOption && o.ValueType != typeof(bool));

    /// <summary>Commands that only read (the others need an admin token).</summary>
    public static bool IsRead(string path) =>
        path.EndsWith(" ls", StringComparison.Ordinal) || path.EndsWith(" show", StringComparison.Ordinal) || path is "history" or "watch" or "instances";

    /// <summary>Commands that talk to no server (they render files locally), so they need no token.</summary>
    public static bool IsOffline(string path) => path.StartsWith("haproxy ", StringComparison.Ordinal);

    /// <summary>
    /// A valid command line for <paramref name="path"/>: every argument and value option with a valid value (the one
    /// named <paramref name="symbol"/> replaced by <paramref name="replacement"/>), <c>--no-wait</c> where there is one,
    /// then <c>--server</c> and <c>--token</c> (null: no token).
    /// </summary>
    public static string[] Arguments(CliValues values, string path, string? token, string? symbol = null, string? replacement = null)
    {
        var leaf = Find(path);
        var args = new List<string>(path.Split(' '));
        string Value(string name) => name == symbol ? replacement! : values.For(path, name);
        foreach (var argument in leaf.Arguments)
        {
            args.Add(Value(argument.Name));
        }

        var modes = Modes.GetValueOrDefault(path) ?? [];
        var inMode = modes.Where(m => symbol is not null && m.Options.Contains(symbol)).ToList();
        foreach (var option in Settable(leaf))
        {
            var ofOtherMode = modes.Any(m => m.Options.Contains(option.Name) && !inMode.Contains(m));
            if (ofOtherMode || inMode.Any(m => m.Refused.Contains(option.Name)))
            {
                continue;
            }

            args.Add(option.Name);
            args.Add(Value(option.Name));
        }

        foreach (var mode in inMode.Where(m => m.Flag is not null))
        {
            args.Add(mode.Flag!);
        }

        if (leaf.Options.Any(o => o.Name == "--no-wait"))
        {
            args.Add("--no-wait");
        }

        args.AddRange(["--server", Value("--server")]);
        if (symbol == "--token")
        {
            args.AddRange(["--token", replacement!]);
        }
        else if (token is not null)
        {
            args.AddRange(["--token", token]);
        }

        if (symbol == "--output")
        {
            args.AddRange(["--output", replacement!]);
        }

        return [.. args];
    }

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Length == 0 ? sub.Name : $"{prefix} {sub.Name}";
            if (sub.Subcommands.Count == 0)
            {
                yield return (path, sub);
                continue;
            }

            foreach (var leaf in Walk(sub, path))
            {
                yield return leaf;
            }
        }
    }
}
