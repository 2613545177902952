namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>The <c>type</c> column of <c>show stat</c>.</summary>
public enum StatRowType
{
    Unknown = -1,
    Frontend = 0,
    Backend = 1,
    Server = 2,
    Listener = 3,
}
