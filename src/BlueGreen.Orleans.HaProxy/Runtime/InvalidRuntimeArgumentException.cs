namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>An argument was refused by the allow-list before anything was sent to HAProxy.</summary>
public sealed class InvalidRuntimeArgumentException(string parameter, string message) : ArgumentException(message, parameter);
