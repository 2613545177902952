using BlueGreen.Orleans.HaProxy.Maps;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.HaProxy.Tests.Maps;

public sealed class MapFileTests : IDisposable
{
    private readonly TempFolder _folder = new("mapfile");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Write_ThenRead_SameEntriesInOrder()
    {
        var path = _folder.File("hosts.map");
        MapEntry[] entries = [new("web.local", "web_blue"), new("api.local", "api_green")];

        await MapFile.WriteAsync(path, entries);

        Assert.Equal(entries, await MapFile.ReadAsync(path));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    [Fact]
    public async Task Read_MissingFile_Empty() =>
        Assert.Empty(await MapFile.ReadAsync(_folder.File("none.map")));

    [Fact]
    public async Task SetEntry_ExistingKey_ReplacedInPlaceAndDuplicatesDropped()
    {
        var path = _folder.File("hosts.map");
        await File.WriteAllTextAsync(path, "# comment\na.local a_blue\nweb.local web_blue\nweb.local web_old\nz.local z_blue\n");

        await MapFile.SetEntryAsync(path, "web.local", "web_green");

        Assert.Equal([new("a.local", "a_blue"), new("web.local", "web_green"), new("z.local", "z_blue")], await MapFile.ReadAsync(path));
    }

    [Fact]
    public async Task SetEntry_NewKey_Appended()
    {
        var path = _folder.File("hosts.map");
        await MapFile.WriteAsync(path, [new("a.local", "a_blue")]);

        await MapFile.SetEntryAsync(path, "b.local", "b_green");

        Assert.Equal([new("a.local", "a_blue"), new("b.local", "b_green")], await MapFile.ReadAsync(path));
    }

    [Fact]
    public async Task SetEntry_HostileKey_RefusedAndFileUnchanged()
    {
        var path = _folder.File("hosts.map");
        await MapFile.WriteAsync(path, [new("a.local", "a_blue")]);
        var before = await File.ReadAllTextAsync(path);

        await Assert.ThrowsAsync<InvalidRuntimeArgumentException>(() => MapFile.SetEntryAsync(path, "x.local\ny.local", "evil"));

        Assert.Equal(before, await File.ReadAllTextAsync(path));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    [Fact]
    public async Task SetEntry_ConcurrentWriters_NoUpdateLost()
    {
        var path = _folder.File("hosts.map");

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => MapFile.SetEntryAsync(path, $"h{i}.local", "web_blue")));

        Assert.Equal(50, (await MapFile.ReadAsync(path)).Count);
    }

    [Fact]
    public async Task RemoveEntry_Key_Removed()
    {
        var path = _folder.File("hosts.map");
        await MapFile.WriteAsync(path, [new("a.local", "a_blue"), new("b.local", "b_blue")]);

        await MapFile.RemoveEntryAsync(path, "a.local");

        Assert.Equal([new("b.local", "b_blue")], await MapFile.ReadAsync(path));
    }

    /// <summary>
    /// An update rewrites the file from the entries it wrote last without reading it back, but only while the file is
    /// the one it wrote: an edit by anything else since (here one of the same length) is read, never overwritten.
    /// </summary>
    [Fact]
    public async Task SetEntry_FileEditedOutsideSinceTheLastWrite_EditKept()
    {
        var path = _folder.File("hosts.map");
        await MapFile.SetEntryAsync(path, "a.local", "a_blue");
        await MapFile.SetEntryAsync(path, "b.local", "b_blue");
        var edited = (await File.ReadAllTextAsync(path)).Replace("a.local a_blue", "a.local a_gree", StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, edited);

        await MapFile.SetEntryAsync(path, "c.local", "c_blue");

        Assert.Equal([new("a.local", "a_gree"), new("b.local", "b_blue"), new("c.local", "c_blue")], await MapFile.ReadAsync(path));
    }
}
