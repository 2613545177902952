namespace BlueGreen.Orleans.Proxies;

/// <summary>Sessions to one backend on one HAProxy worker other than the live one, read through the master CLI.</summary>
[GenerateSerializer, Immutable, Alias("bluegreen.WorkerSessions")]
public sealed record WorkerSessions(
    [property: Id(0)] int Pid,
    [property: Id(1)] long Sessions,
    [property: Id(2)] bool Exited);
