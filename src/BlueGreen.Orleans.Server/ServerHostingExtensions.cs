using System.Net;
using BlueGreen.Orleans.Gateway;
using BlueGreen.Orleans.Grains;
using BlueGreen.Orleans.Persistence;
using BlueGreen.Orleans.Server.ClusterStore;
using Orleans.Configuration;

namespace BlueGreen.Orleans.Server;

public static class ServerHostingExtensions
{
    /// <summary>Grains whose directory entry a silo caches: far above a fleet's service, proxy and instance grains.</summary>
    private const int DirectoryCacheSize = 50_000;

    /// <summary>Configures this process from the <c>BlueGreen</c> section: silo, gateway or both; embedded or cluster; telemetry.</summary>
    public static ServerOptions AddBlueGreenServer(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", errors));
        }

        if (options.Role == ServerRole.Gateway)
        {
            builder.UseOrleansClient(client => ConfigureClient(client, options));
        }
        else
        {
            if (options.Mode == ServerMode.Embedded)
            {
                // Before anything else touches the data directory: one writer per SQLite database. (Silos of a cluster
                // on one host may share a data directory on purpose: a survivor stops the instances its peer started.)
                builder.Services.AddSingleton(DataDirectoryLock.Acquire(options.DataDirectory));
            }

            builder.UseOrleans(silo => ConfigureSilo(silo, options));
        }

        if (options.Role == ServerRole.Silo)
        {
            var gateway = builder.Configuration.GetSection(GrpcGatewayOptions.Section).Get<GrpcGatewayOptions>() ?? new GrpcGatewayOptions();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(gateway.ListenAddress), gateway.HttpPort));
        }
        else
        {
            builder.AddBlueGreenGateway();
        }

        builder.AddBlueGreenTelemetry(options);
        return options;
    }

    public static WebApplication MapBlueGreenServer(this WebApplication app, ServerOptions options)
    {
        app.MapBlueGreenTelemetry(options);
        if (options.Role == ServerRole.Silo)
        {
            app.MapGet("/healthz", () => "ok");
        }
        else
        {
            app.MapBlueGreenGateway();
        }

        return app;
    }

    private static void ConfigureSilo(ISiloBuilder silo, ServerOptions options)
    {
        var data = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(data);
        silo.Configure<ClusterOptions>(c =>
        {
            c.ServiceId = options.ServiceId;
            c.ClusterId = options.ClusterId;
        });

        // Orleans sizes its directory cache for a million grains up front (two 8.8 MB arrays in the large object heap of
        // an idle server); a fleet is a few grains per service and proxy (docs/benchmarks.md: server-memory).
        silo.Configure<GrainDirectoryOptions>(d => d.CacheSize = DirectoryCacheSize);
        silo.AddBlueGreenGrains(
            proxies: p =>
            {
                p.Interval = options.ProxyMonitorInterval;
                p.MaxReplyBytes = options.ProxyMaxReplyBytes;
                p.SnapshotInterval = options.ProxySnapshotInterval;
                p.ReadFreshness = options.DeploymentPollInterval;
            },
            deployments: d =>
            {
                d.PollInterval = options.DeploymentPollInterval;
                d.ConfirmWindow = options.DeploymentConfirmWindow;
            },
            instances: i =>
            {
                i.ProcessStateDirectory = Path.Combine(data, "instances");
                i.Process = options.Runtimes.Process;
                i.Docker = options.Runtimes.Docker;
            },
            registrations: r =>
            {
                r.MapsRoot = options.Proxies.MapsRoot;
                r.RuntimeApiNetworks = options.Proxies.RuntimeApiNetworks;
                r.RuntimeApiHosts = options.Proxies.RuntimeApiHosts;
                r.RuntimeApiSocketDirectories = options.Proxies.RuntimeApiSocketDirectories;
            },
            hooks: h =>
            {
                h.SecretsFolder = options.Hooks.SecretsFolder;
                h.RetryDelay = options.Hooks.RetryDelay;
                h.AllowedHosts = options.Hooks.AllowedHosts;
            });
        silo.AddBlueGreenDashboard(options);

        if (options.Mode == ServerMode.Embedded)
        {
            // Durable on one machine: a stopped or killed process loses nothing (README: storage).
            var database = Path.Combine(data, "bluegreen.db");
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
            silo.AddSqliteGrainStorage(BlueGreenStorage.Name, s => s.DatabasePath = database);
            silo.UseSqliteReminderService(s => s.DatabasePath = database);
            return;
        }

        var redis = ClusterSecurity.Redis(options);
        silo.UseClusterTls(options);
        silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseRedisClustering(r => r.ConfigurationOptions = redis);
        silo.AddRedisGrainStorage(BlueGreenStorage.Name, r => r.ConfigurationOptions = redis);
        silo.UseRedisReminderService(r => r.ConfigurationOptions = redis);
        silo.AddClusterStoreGuard(options);
    }

    private static void ConfigureClient(IClientBuilder client, ServerOptions options)
    {
        client.Configure<ClusterOptions>(c =>
        {
            c.ServiceId = options.ServiceId;
            c.ClusterId = options.ClusterId;
        });
        client.UseRedisClustering(r => r.ConfigurationOptions = ClusterSecurity.Redis(options));
        client.UseClusterTls(options);
    }
}
