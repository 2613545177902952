namespace BlueGreen.Orleans.Grains.Instances;

public sealed class InstanceRuntimeOptions
{
    /// <summary>Where the process runtime keeps pid and log files, so it finds its instances after a restart.</summary>
    public string ProcessStateDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "bluegreen", "instances");

    /// <summary>The process runtime: off unless enabled.</summary>
    public ProcessRuntimeSettings Process { get; set; } = new();

    /// <summary>The docker runtime: off unless enabled.</summary>
    public DockerRuntimeSettings Docker { get; set; } = new();

    /// <summary>Every problem of the runtime settings, each naming its key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Process.Validate(errors);
        Docker.Validate(errors);
        return errors;
    }
}
