namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>
/// One backend as <see cref="HaProxyRuntimeClient.ShowBackendsAsync"/> read it: its server rows, connections in use, and
/// its own row (<c>BACKEND</c>: HAProxy's own responses too, e.g. the 503 when no server is up); null when the config
/// lacks the backend.
/// </summary>
public sealed record BackendServers(string Backend, IReadOnlyList<StatRow> Servers, IReadOnlyList<ServerConnections> Connections, StatRow? Totals = null);
