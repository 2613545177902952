namespace BlueGreen.Orleans.Catalog;

public static class CatalogGrainExtensions
{
    /// <summary>The one catalog of the cluster.</summary>
    public static ICatalogGrain GetCatalogGrain(this IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(0);
}
