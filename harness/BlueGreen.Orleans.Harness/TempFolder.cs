namespace BlueGreen.Orleans.Harness;

/// <summary>A folder under /tmp removed on dispose. Names stay inside the runtime allow-list (A-Z a-z 0-9 . _ / -).</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix = "bg")
    {
        Path = System.IO.Path.Combine("/tmp", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
