namespace BlueGreen.Orleans.Grains.Instances;

public sealed class InstanceRuntimeOptions
{
    /// <summary>Where the process runtime keeps pid and log files, so it finds its instances after a restart.</summary>
    public string ProcessStateDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "bluegreen", "instances");

    /// <summary>The Docker engine used when a colour names none.</summary>
    public string DefaultDockerEndpoint { get; set; } = "unix:///var/run/docker.sock";
}
