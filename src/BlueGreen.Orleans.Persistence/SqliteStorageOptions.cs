using Orleans.Storage;

namespace BlueGreen.Orleans.Persistence;

/// <summary>Where the SQLite grain storage or reminder table keeps its data, and how grain state is serialized.</summary>
public sealed class SqliteStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Path of the database file; its folder is created at silo start. Several providers may share one file.</summary>
    public string DatabasePath { get; set; } = string.Empty;

    /// <summary>
    /// Serializer of grain state. Left null, it is set after configuration to the silo's
    /// <see cref="IGrainStorageSerializer"/> (by <see cref="DefaultStorageProviderSerializerOptionsConfigurator{TOptions}"/>).
    /// Not used by the reminder table.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
