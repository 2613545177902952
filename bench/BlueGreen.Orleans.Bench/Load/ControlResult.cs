namespace BlueGreen.Orleans.Bench.Load;

/// <summary>One negative-control run: it passes when the client saw failures.</summary>
internal sealed record ControlResult(string Client, ClientRun? Run, string? Error)
{
    public bool Passed => Error is null && Run is { Failed: > 0 };
}
