using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>Finds the instance runtime a colour runs on (process, docker at an engine endpoint, external).</summary>
public interface IInstanceRuntimeProvider
{
    /// <summary>The runtime that inspects, stops and removes the colour's instances.</summary>
    IInstanceRuntime Resolve(ColourSpec colour);

    /// <summary>
    /// The runtime that starts the colour's instances, once the server's configuration allows it
    /// (<see cref="RuntimePolicy"/>); otherwise a <see cref="BlueGreenException"/> naming the field and the rule.
    /// </summary>
    IInstanceRuntime ResolveToStart(string colourName, ColourSpec colour, IReadOnlyList<InstanceSpec> instances);
}
