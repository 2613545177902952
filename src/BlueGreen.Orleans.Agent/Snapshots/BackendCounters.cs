namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>The counters of a backend's own row of <c>show stat</c> (<c>BACKEND</c>) the deployment's analysis reads.</summary>
internal sealed record BackendCounters(long Http5xxResponses, long HttpResponses, long ConnectionErrors, long ResponseErrors);
