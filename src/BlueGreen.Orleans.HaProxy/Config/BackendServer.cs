namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>One server line of a backend: an instance of one colour.</summary>
public sealed record BackendServer(string Name, string Address, int Port);
