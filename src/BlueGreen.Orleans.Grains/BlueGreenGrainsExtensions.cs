using BlueGreen.Orleans.Grains.Catalog;
using BlueGreen.Orleans.Grains.Hooks;
using BlueGreen.Orleans.Grains.Instances;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Storage;

namespace BlueGreen.Orleans.Grains;

public static class BlueGreenGrainsExtensions
{
    /// <summary>
    /// Registers what the grains need: options (what the process and docker runtimes may start, where proxy
    /// registrations may point: both refuse by default), the instance runtimes, the time source and the startup task that
    /// wakes proxies and resumes unfinished deployments, and the <see cref="BlueGreenTelemetry"/> meter. Grain storage named <see cref="BlueGreenStorage.Name"/> and
    /// reminders are the host's to configure.
    /// </summary>
    public static ISiloBuilder AddBlueGreenGrains(
        this ISiloBuilder silo,
        Action<ProxyMonitorOptions>? proxies = null,
        Action<DeploymentLoopOptions>? deployments = null,
        Action<InstanceRuntimeOptions>? instances = null,
        Action<ProxyRegistrationOptions>? registrations = null,
        Action<HookOptions>? hooks = null)
    {
        var services = silo.Services;
        services.AddOptions<ProxyMonitorOptions>().Configure(o => proxies?.Invoke(o));
        services.AddOptions<ProxyRegistrationOptions>().Configure(o => registrations?.Invoke(o));
        services.AddOptions<DeploymentLoopOptions>().Configure(o => deployments?.Invoke(o));
        services.AddOptions<InstanceRuntimeOptions>().Configure(o => instances?.Invoke(o));
        services.AddOptions<HookOptions>().Configure(o => hooks?.Invoke(o));
        services.TryAddSingleton<HookCaller>();
        services.TryAddSingleton(TimeProvider.System);
        // Grain state is written with Orleans' own version-tolerant binary serializer: the state types are
        // [GenerateSerializer] contracts (immutable records, enum-keyed dictionaries) that the default JSON one mangles.
        services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        services.TryAddSingleton<IInstanceRuntimeProvider, InstanceRuntimeProvider>();
        services.TryAddSingleton<IProxyAccessFactory, HaProxyAccessFactory>();
        services.AddMetrics();
        services.TryAddSingleton<BlueGreenTelemetry>();
        silo.AddStartupTask<ResumeStartupTask>();
        return silo;
    }
}
