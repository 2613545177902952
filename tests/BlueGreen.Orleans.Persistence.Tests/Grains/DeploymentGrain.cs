using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence.Tests.Grains;

/// <summary>Keeps one <see cref="DeploymentRecord"/> in the default storage provider and registers reminders on demand.</summary>
public sealed class DeploymentGrain([PersistentState("state")] IPersistentState<DeploymentRecord> state) : Grain, IDeploymentGrain, IRemindable
{
    /// <summary>Far in the future: the test only needs the reminder row, never a tick.</summary>
    private static readonly TimeSpan DueTime = TimeSpan.FromHours(1);

    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    public async Task SaveAsync(DeploymentRecord record, CancellationToken cancellationToken = default)
    {
        state.State = record;
        await state.WriteStateAsync(cancellationToken);
    }

    public Task<DeploymentRecord?> GetAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(state.RecordExists ? state.State : null);

    public Task RegisterReminderAsync(string name, CancellationToken cancellationToken = default) =>
        this.RegisterOrUpdateReminder(name, DueTime, Period, cancellationToken);

    public async Task<bool> HasReminderAsync(string name, CancellationToken cancellationToken = default) =>
        await this.GetReminder(name, cancellationToken) is not null;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
