namespace BlueGreen.Orleans.Hooks;

/// <summary>How a hook call ended: the last answer's status code, or the last error; attempts made and the time taken.</summary>
public sealed record HookDelivery(int? StatusCode, string? Error, int Attempts, TimeSpan Duration)
{
    public bool Succeeded => StatusCode is >= 200 and <= 299;
}
