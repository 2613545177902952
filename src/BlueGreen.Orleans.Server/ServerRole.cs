namespace BlueGreen.Orleans.Server;

public enum ServerRole
{
    /// <summary>A silo with the gRPC gateway co-hosted: the default, and the whole embedded mode.</summary>
    All,

    /// <summary>A silo only (cluster mode): no gRPC, just /healthz on the HTTP port.</summary>
    Silo,

    /// <summary>The gRPC gateway as its own process, joining the cluster as an Orleans client.</summary>
    Gateway,
}
