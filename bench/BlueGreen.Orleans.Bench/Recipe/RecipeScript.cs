using System.Diagnostics;

namespace BlueGreen.Orleans.Bench.Recipe;

/// <summary>Runs the recipe's way of doing a thing — a bash loop of <c>echo … | socat</c> — and returns what it printed.</summary>
internal static class RecipeScript
{
    public static async Task<string> RunAsync(string script, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"the socat loop failed: {await error}");
    }
}
