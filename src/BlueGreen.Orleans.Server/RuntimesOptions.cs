using BlueGreen.Orleans.Grains.Instances;

namespace BlueGreen.Orleans.Server;

/// <summary>
/// The <c>BlueGreen:Runtimes</c> section: what an admin token's service specs may start on this server. The process
/// and docker runtimes are off until enabled here; external (nothing to start) is always allowed.
/// </summary>
public sealed class RuntimesOptions
{
    public ProcessRuntimeSettings Process { get; set; } = new();

    public DockerRuntimeSettings Docker { get; set; } = new();
}
