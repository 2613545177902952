namespace BlueGreen.Orleans.Instances;

#pragma warning disable CA1032 // The constructor below is the one this needs; no serialization constructor.

/// <summary>
/// A runtime could not do what was asked for one instance: the engine refused or was unreachable, the command does not
/// exist, the process would not die. The message says which instance and why, in the runtime's own words.
/// Not sealed: <see cref="InstanceImageNotFoundException"/> refines it.
/// </summary>
public class InstanceRuntimeException(string instance, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The instance name.</summary>
    public string Instance { get; } = instance;
}
