using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Cli.Tests.Specs;

public sealed class SpecSourcesTests : IDisposable
{
    private readonly TempFolder _folder = new("specsources");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Expand_FolderAndFile_SpecsDirectlyInTheFolderInNameOrderThenTheFile()
    {
        var specs = Directory.CreateDirectory(Path.Combine(_folder.Path, "specs")).FullName;
        foreach (var name in new[] { "b.yaml", "a.json", "c.yml", "notes.txt" })
        {
            File.WriteAllText(Path.Combine(specs, name), "name: x");
        }

        Directory.CreateDirectory(Path.Combine(specs, "nested"));
        File.WriteAllText(Path.Combine(specs, "nested", "d.yaml"), "name: x");
        var single = _folder.File("single.yaml");
        File.WriteAllText(single, "name: x");

        var files = SpecSources.Expand([specs, single]);

        Assert.Equal([Path.Combine(specs, "a.json"), Path.Combine(specs, "b.yaml"), Path.Combine(specs, "c.yml"), single], files);
    }

    [Fact]
    public void Expand_FolderWithoutSpecs_Refused()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_folder.Path, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "README.txt"), "nothing");

        var error = Assert.Throws<CliException>(() => SpecSources.Expand([empty]));

        Assert.Contains("holds no .yaml, .yml or .json spec", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Expand_SameFileTwice_Refused()
    {
        var specs = Directory.CreateDirectory(Path.Combine(_folder.Path, "twice")).FullName;
        var spec = Path.Combine(specs, "web.yaml");
        File.WriteAllText(spec, "name: web");

        var error = Assert.Throws<CliException>(() => SpecSources.Expand([specs, spec]));

        Assert.Contains("is named twice", error.Message, StringComparison.Ordinal);
    }
}
