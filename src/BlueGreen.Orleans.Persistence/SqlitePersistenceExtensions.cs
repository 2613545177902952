using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace BlueGreen.Orleans.Persistence;

/// <summary>Registers the SQLite grain storage and reminder table on a silo, the way Orleans' own providers do.</summary>
public static class SqlitePersistenceExtensions
{
    /// <summary>Name of the reminder table's <see cref="SqliteStorageOptions"/> (grain storage options are named after their provider).</summary>
    internal const string ReminderOptionsName = "SqliteReminders";

    /// <summary>Adds SQLite grain storage as the default provider (grains whose [PersistentState] names no provider).</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, Action<SqliteStorageOptions> configureOptions) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds a SQLite grain storage provider named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<SqliteStorageOptions>(name).Configure(configureOptions);
            // Fills GrainStorageSerializer from the silo's IGrainStorageSerializer (keyed by provider name first).
            services.TryAddEnumerable(ServiceDescriptor.Transient<
                IPostConfigureOptions<SqliteStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<SqliteStorageOptions>>());
            services.AddTransient<IConfigurationValidator>(sp =>
                new SqliteStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(name), name));
            services.ConfigureNamedOptionForLogging<SqliteStorageOptions>(name);
            // The factory returns the concrete type on purpose: AddGrainStorage registers the silo lifecycle participant
            // (which creates the schema) only when T itself implements ILifecycleParticipant<ISiloLifecycle>.
            services.AddGrainStorage(name, CreateGrainStorage);
        });
    }

    /// <summary>Stores reminders in a SQLite file, and adds the reminder service (<c>AddReminders</c>) if it is not there yet.</summary>
    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder builder, Action<SqliteStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureOptions);
        builder.AddReminders();
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<SqliteStorageOptions>(ReminderOptionsName).Configure(configureOptions);
            services.AddSingleton(sp => new SqliteReminderTable(
                sp.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(ReminderOptionsName),
                sp.GetRequiredService<ILogger<SqliteReminderTable>>()));
            services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<SqliteReminderTable>());
            services.AddTransient<IConfigurationValidator>(sp => new SqliteStorageOptionsValidator(
                sp.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(ReminderOptionsName), ReminderOptionsName));
            services.ConfigureNamedOptionForLogging<SqliteStorageOptions>(ReminderOptionsName);
        });
    }

    private static SqliteGrainStorage CreateGrainStorage(IServiceProvider services, string name) =>
        new(
            name,
            services.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(name),
            services.GetRequiredService<IActivatorProvider>(),
            services.GetRequiredService<ILogger<SqliteGrainStorage>>());
}
