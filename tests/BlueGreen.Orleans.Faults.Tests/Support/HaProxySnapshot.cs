namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// What a real haproxy holds, as text so a difference reads plainly in a failed assertion: <c>show map</c> (the maps
/// loaded), <c>show map &lt;file&gt;</c> (the routes), <c>show servers state</c> (address, operational and admin state,
/// weight of every server; not the seconds since the last change) and the map file on disk.
/// </summary>
public sealed record HaProxySnapshot(string Maps, string Routes, string Servers, string MapFile)
{
    public override string ToString() => $"maps:\n{Maps}\nroutes:\n{Routes}\nservers:\n{Servers}\nmap file:\n{MapFile}";
}
