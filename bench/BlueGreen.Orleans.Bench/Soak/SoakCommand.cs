using System.CommandLine;
using System.Globalization;

namespace BlueGreen.Orleans.Bench.Soak;

/// <summary><c>soak</c>: releases, rollbacks and promotes in a loop under load, with random crashes, reloads and restarts.</summary>
internal static class SoakCommand
{
    public static Command Command()
    {
        var duration = new Option<string>("--duration") { Description = "How long to run: 10m, 300s, 1h or hh:mm:ss.", DefaultValueFactory = _ => "10m" };
        var seed = new Option<int?>("--seed") { Description = "Random seed (default: from the clock; printed, so a run can be repeated)." };
        var command = new Command("soak", "Soak: deployments in a loop under load with kill -9 of the server, haproxy reloads and restarts; checks invariants after every round.")
        {
            duration,
            seed,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var text = parse.GetValue(duration)!;
            if (ParseDuration(text) is not { } span)
            {
                Console.Error.WriteLine($"--duration: '{text}' is not a duration (10m, 300s, 1h, hh:mm:ss).");
                return Task.FromResult(64);
            }

            return new SoakRun(span, parse.GetValue(seed) ?? Environment.TickCount).RunAsync(cancellationToken);
        });
        return command;
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
    }
}
