using System.Collections.Concurrent;
using System.Collections.Immutable;
using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Grains.Tests.Proxies;

/// <summary>
/// Stands in for the gateway's end of an agent stream in grain-logic tests (the real stream, agent and haproxy are in
/// Agent.Tests): records every push, holds the routes of the last version it took, and can be told to refuse, fail or hold pushes.
/// </summary>
internal sealed class FakeAgentLink : IAgentLink
{
    private readonly ConcurrentQueue<(long Version, ImmutableDictionary<string, string> Routes)> _pushes = new();
    private volatile TaskCompletionSource? _hold;
    private int _waiting;
    private int _attempts;

    public long HeldVersion { get; private set; }

    public ImmutableDictionary<string, string> Held { get; private set; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>When set, every push answers with this status and the agent keeps what it held (or, for Failed, takes the version).</summary>
    public AgentAckStatus? Answer { get; set; }

    /// <summary>When set, every call throws it, as a link whose stream ended does.</summary>
    public Exception? Broken { get; set; }

    public IReadOnlyList<(long Version, ImmutableDictionary<string, string> Routes)> Pushes => [.. _pushes];

    /// <summary>Every push the grain sent, also those that failed or were refused.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>How many pushes wait on <see cref="HoldPushes"/> now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Every push from now waits (a slow agent host) until <see cref="ReleasePushes"/>.</summary>
    public void HoldPushes() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets the held pushes through; pushes no longer wait.</summary>
    public void ReleasePushes()
    {
        var hold = _hold;
        _hold = null;
        hold?.SetResult();
    }

    public async Task<AgentRoutesAck> PushRoutesAsync(long version, ImmutableDictionary<string, string> routes)
    {
        Interlocked.Increment(ref _attempts);
        if (_hold is { } hold)
        {
            Interlocked.Increment(ref _waiting);
            await hold.Task;
            Interlocked.Decrement(ref _waiting);
        }

        if (Broken is { } broken)
        {
            throw broken;
        }

        _pushes.Enqueue((version, routes));
        var status = Answer ?? (version < HeldVersion ? AgentAckStatus.Stale : version == HeldVersion ? AgentAckStatus.AlreadyHeld : AgentAckStatus.Applied);
        if (status is AgentAckStatus.Applied or AgentAckStatus.Failed)
        {
            HeldVersion = version;
            Held = routes;
        }

        return new AgentRoutesAck { Version = version, Status = status, HeldVersion = HeldVersion };
    }

    public Task<BackendReport> RecheckAsync(string backend, bool forceDown) =>
        Broken is { } broken
            ? Task.FromException<BackendReport>(broken)
            : Task.FromResult(new BackendReport { ProxyId = "fake", Backend = backend, Reachable = true, ReadAt = DateTimeOffset.UtcNow, Servers = [new ServerHealth("s1", forceDown ? "DOWN" : "UP", "L4OK", 0, 0, 0, 0)] });

    public Task<ImmutableDictionary<string, string>> ReadRoutesAsync() =>
        Broken is { } broken ? Task.FromException<ImmutableDictionary<string, string>>(broken) : Task.FromResult(Held);

    public Task<DrainReport> ReadDrainAsync(string backend) =>
        Broken is { } broken
            ? Task.FromException<DrainReport>(broken)
            : Task.FromResult(new DrainReport { Live = new BackendReport { ProxyId = "fake", Backend = backend, Reachable = true, ReadAt = DateTimeOffset.UtcNow } });
}
