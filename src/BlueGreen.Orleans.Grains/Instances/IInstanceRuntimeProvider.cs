using BlueGreen.Orleans.Instances;
using BlueGreen.Orleans.Services;

namespace BlueGreen.Orleans.Grains.Instances;

/// <summary>Finds the instance runtime a colour runs on (process, docker at an engine endpoint, external).</summary>
public interface IInstanceRuntimeProvider
{
    IInstanceRuntime Resolve(ColourSpec colour);
}
