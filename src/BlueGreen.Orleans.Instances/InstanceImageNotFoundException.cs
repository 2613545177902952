namespace BlueGreen.Orleans.Instances;

#pragma warning disable CA1032 // The constructor below is the one this needs; no serialization constructor.

/// <summary>
/// The image of a Docker instance does not exist on the engine. Retrying will not help until someone builds, pulls
/// or loads it, so callers can tell this apart from a transient engine failure.
/// </summary>
public sealed class InstanceImageNotFoundException(string instance, string image, string endpoint, Exception? inner = null)
    : InstanceRuntimeException(instance, $"Image '{image}' of instance '{instance}' does not exist on the Docker engine {endpoint}.", inner)
{
    public string Image { get; } = image;
}
