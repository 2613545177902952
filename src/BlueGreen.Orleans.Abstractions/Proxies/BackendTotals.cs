namespace BlueGreen.Orleans.Proxies;

/// <summary>
/// A backend's own row of <c>show stat</c> (<c>BACKEND</c>): every response it sent and every error, HAProxy's own
/// included. When no server of the backend is up HAProxy answers 503 itself: counted here, on no server's row.
/// </summary>
[GenerateSerializer, Immutable, Alias("bluegreen.BackendTotals")]
public sealed record BackendTotals(
    [property: Id(0)] long Http5xx,
    [property: Id(1)] long Responses,
    [property: Id(2)] long ConnectionErrors,
    [property: Id(3)] long ResponseErrors);
