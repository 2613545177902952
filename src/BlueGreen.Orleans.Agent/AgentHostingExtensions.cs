using BlueGreen.Orleans.Agent.Control;
using BlueGreen.Orleans.Agent.Options;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;
using BlueGreen.Orleans.Agent.Watching;
using BlueGreen.Orleans.HaProxy.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Agent;

internal static class AgentHostingExtensions
{
    /// <summary>Everything the agent runs, from validated options.</summary>
    public static IServiceCollection AddBlueGreenAgent(this IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        // Two Runtime API connections: the reads' (watch, snapshot, read commands) and the routes' (RouteKeeper), so a
        // switch never queues behind a tick (AgentCore).
        services.AddSingleton(sp => new HaProxyRuntimeClient(options.RuntimeApi, logger: sp.GetRequiredService<ILogger<HaProxyRuntimeClient>>()));
        services.AddKeyedSingleton(nameof(RouteKeeper), (sp, _) => new HaProxyRuntimeClient(options.RuntimeApi, logger: sp.GetRequiredService<ILogger<HaProxyRuntimeClient>>()));
        services.AddSingleton(sp => new RouteStateStore(options.StateDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RouteKeeper(
            sp.GetRequiredKeyedService<HaProxyRuntimeClient>(nameof(RouteKeeper)),
            options.MapFile,
            sp.GetRequiredService<RouteStateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RouteKeeper>>()));
        services.AddSingleton<ReloadWatcher>();
        services.AddSingleton<SnapshotReader>();
        services.AddSingleton(sp => new AgentCore(
            sp.GetRequiredService<HaProxyRuntimeClient>(),
            options.MasterApi is null ? null : new HaProxyMasterClient(options.MasterApi),
            sp.GetRequiredService<RouteKeeper>(),
            sp.GetRequiredService<ReloadWatcher>(),
            sp.GetRequiredService<SnapshotReader>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AgentCore>>()));
        services.AddSingleton<AgentEvents>();
        services.AddSingleton<ControlPlaneClient>();
        services.AddHostedService<AgentWorker>();
        return services;
    }
}
