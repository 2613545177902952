namespace BlueGreen.Orleans.Server;

/// <summary>
/// The <c>BlueGreen:Dashboard</c> section: the Orleans Dashboard on the HTTP port of a silo host (roles All and Silo).
/// Off by default: it adds ~75 MB to the process and profiles every grain call (README: Observability).
/// </summary>
public sealed class DashboardOptions
{
    public bool Enabled { get; set; }

    public string Path { get; set; } = "/dashboard";
}
