namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>One backend as <see cref="HaProxyRuntimeClient.ShowBackendsAsync"/> read it: its server rows and connections in use.</summary>
public sealed record BackendServers(string Backend, IReadOnlyList<StatRow> Servers, IReadOnlyList<ServerConnections> Connections);
