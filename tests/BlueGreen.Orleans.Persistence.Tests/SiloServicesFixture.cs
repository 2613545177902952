using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace BlueGreen.Orleans.Persistence.Tests;

/// <summary>
/// Services of a silo that is built but never started: the real <see cref="IGrainStorageSerializer"/> (Orleans' JSON
/// serializer with its type allow-list) and <see cref="IActivatorProvider"/>, as the storage gets them in a silo.
/// </summary>
public sealed class SiloServicesFixture : IDisposable
{
    private readonly IHost _host;

    public SiloServicesFixture()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Production,
        });
        builder.UseOrleans(silo => silo.UseLocalhostClustering());
        _host = builder.Build();
        Serializer = _host.Services.GetRequiredService<IGrainStorageSerializer>();
        Activators = _host.Services.GetRequiredService<IActivatorProvider>();
    }

    public IGrainStorageSerializer Serializer { get; }

    public IActivatorProvider Activators { get; }

    /// <summary>A storage over <paramref name="databasePath"/>, as the silo would create it, with its schema in place.</summary>
    internal async Task<SqliteGrainStorage> CreateStorageAsync(string databasePath, string name = "store", CancellationToken cancellationToken = default)
    {
        var storage = new SqliteGrainStorage(
            name,
            new SqliteStorageOptions { DatabasePath = databasePath, GrainStorageSerializer = Serializer },
            Activators,
            NullLogger<SqliteGrainStorage>.Instance);
        await storage.InitializeAsync(cancellationToken);
        return storage;
    }

    public void Dispose() => _host.Dispose();
}
