using BlueGreen.Orleans.Catalog;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlueGreen.Orleans.Gateway;

/// <summary>Healthy when the cluster answers a grain call: the gateway is only useful if it reaches the silos.</summary>
internal sealed class ClusterHealthCheck(IClusterClient cluster) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await cluster.GetCatalogGrain().ListServicesAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("The cluster does not answer.", e);
        }
    }
}
