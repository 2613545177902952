namespace BlueGreen.Orleans.Server;

public enum ServerMode
{
    /// <summary>One process: localhost clustering, SQLite grain storage and reminders in the data directory.</summary>
    Embedded,

    /// <summary>N silos: Redis membership, grain storage and reminders.</summary>
    Cluster,
}
