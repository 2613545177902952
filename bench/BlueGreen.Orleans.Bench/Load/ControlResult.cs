namespace BlueGreen.Orleans.Bench.Load;

/// <summary>One negative-control run: it passes when the client saw failures.</summary>
/// <param name="KillAfter">Time from the switch command to blue's SIGKILL: requests in flight on blue then die.</param>
/// <param name="Required">False for hey with keep-alive, shown to make Go's transparent resend visible: it may see nothing.</param>
internal sealed record ControlResult(string Client, ClientRun? Run, TimeSpan? KillAfter, bool Required, string? Error)
{
    public bool SawFailures => Error is null && Run is { Failed: > 0 };

    /// <summary>The control holds when a required client saw failures; an informational one always holds.</summary>
    public bool Passed => SawFailures || (!Required && Error is null);
}
