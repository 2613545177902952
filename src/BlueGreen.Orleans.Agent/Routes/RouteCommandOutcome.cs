namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>One Runtime API command of a convergence: <c>set map</c>, <c>add map</c> or <c>del map</c> of one key.</summary>
internal sealed record RouteCommandOutcome(string Command, string Key, string Value, bool Ok, string? Error, TimeSpan Duration);
