namespace BlueGreen.Orleans.Server.ClusterStore;

internal static class ClusterStoreHostingExtensions
{
    /// <summary>Cluster mode: the silo stops when its Redis store loses the cluster (<see cref="ClusterStoreGuard"/>).</summary>
    public static ISiloBuilder AddClusterStoreGuard(this ISiloBuilder silo, ServerOptions options)
    {
        silo.Services.AddSingleton<CrashExit>();
        silo.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ClusterStoreGuard>(sp, options));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ClusterStoreGuard>());
        return silo;
    }
}
