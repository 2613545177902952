namespace BlueGreen.Orleans.Persistence.Tests.Grains;

[Alias("bluegreen.tests.IDeploymentGrain")]
public interface IDeploymentGrain : IGrainWithStringKey
{
    [Alias("Save")]
    Task SaveAsync(DeploymentRecord record, CancellationToken cancellationToken = default);

    /// <summary>The stored record, or null when none was ever written.</summary>
    [Alias("Get")]
    Task<DeploymentRecord?> GetAsync(CancellationToken cancellationToken = default);

    [Alias("RegisterReminder")]
    Task RegisterReminderAsync(string name, CancellationToken cancellationToken = default);

    [Alias("HasReminder")]
    Task<bool> HasReminderAsync(string name, CancellationToken cancellationToken = default);
}
