namespace BlueGreen.Orleans.Grains.Deployments;

/// <summary>One hook's call as the deployment records it: the answer's status code or the error, the attempts and the time taken.</summary>
public sealed record HookCall(string Event, string Url, int? StatusCode, string? Error, int Attempts, TimeSpan Duration)
{
    public bool Succeeded => StatusCode is >= 200 and <= 299;
}
