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
    private readonly Gate _pushGate = new();
    private readonly Gate _finalGate = new();
    private int _attempts;
    private (long Version, ImmutableDictionary<string, string> Routes)? _pendingFinal;

    public long HeldVersion { get; private set; }

    public ImmutableDictionary<string, string> Held { get; private set; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>When set, every push answers with this status and the agent keeps what it held (or, for Failed, takes the version).</summary>
    public AgentAckStatus? Answer { get; set; }

    /// <summary>When set, every call throws it, as a link whose stream ended does.</summary>
    public Exception? Broken { get; set; }

    /// <summary>
    /// Acks as the real agent does: RuntimeApplied at once (the disk still on the version held), the final ack only when
    /// <see cref="DurableAsync"/> is asked and <see cref="ReleaseFinals"/> lets it through (at once unless <see cref="HoldFinals"/>).
    /// </summary>
    public bool TwoPhase { get; set; }

    /// <summary>In <see cref="TwoPhase"/>: the final ack's status (Applied when null); Failed keeps the version held before.</summary>
    public AgentAckStatus? FinalAnswer { get; set; }

    /// <summary>The routes HAProxy's runtime map holds (in <see cref="TwoPhase"/>, ahead of <see cref="Held"/> until the final ack).</summary>
    public ImmutableDictionary<string, string> Runtime { get; private set; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Every final ack from now waits until <see cref="ReleaseFinals"/>.</summary>
    public void HoldFinals() => _finalGate.Hold();

    /// <summary>Lets the held final acks through; they no longer wait.</summary>
    public void ReleaseFinals() => _finalGate.Release();

    public IReadOnlyList<(long Version, ImmutableDictionary<string, string> Routes)> Pushes => [.. _pushes];

    /// <summary>Every push the grain sent, also those that failed or were refused.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>How many pushes wait on <see cref="HoldPushes"/> now.</summary>
    public int Waiting => _pushGate.Waiting;

    /// <summary>Every push from now waits (a slow agent host) until <see cref="ReleasePushes"/>.</summary>
    public void HoldPushes() => _pushGate.Hold();

    /// <summary>Lets the held pushes through; pushes no longer wait.</summary>
    public void ReleasePushes() => _pushGate.Release();

    public async Task<AgentRoutesAck> PushRoutesAsync(long version, ImmutableDictionary<string, string> routes)
    {
        Interlocked.Increment(ref _attempts);
        await _pushGate.PassAsync();

        if (Broken is { } broken)
        {
            throw broken;
        }

        _pushes.Enqueue((version, routes));
        var status = Answer ?? (version < HeldVersion ? AgentAckStatus.Stale : version == HeldVersion ? AgentAckStatus.AlreadyHeld : AgentAckStatus.Applied);
        if (TwoPhase && status == AgentAckStatus.Applied)
        {
            Runtime = routes;
            _pendingFinal = (version, routes);
            return new AgentRoutesAck { Version = version, Status = AgentAckStatus.RuntimeApplied, HeldVersion = HeldVersion };
        }

        Runtime = status is AgentAckStatus.Applied or AgentAckStatus.Failed ? routes : Runtime;
        if (status is AgentAckStatus.Applied or AgentAckStatus.Failed)
        {
            HeldVersion = version;
            Held = routes;
        }

        return new AgentRoutesAck { Version = version, Status = status, HeldVersion = HeldVersion };
    }

    public async Task<AgentRoutesAck> DurableAsync(long version)
    {
        await _finalGate.PassAsync();

        if (Broken is { } broken)
        {
            throw broken;
        }

        if (_pendingFinal is not { } pending || pending.Version != version)
        {
            throw new InvalidOperationException($"no push of version {version} waits for its final ack");
        }

        var status = FinalAnswer ?? AgentAckStatus.Applied;
        if (status == AgentAckStatus.Applied)
        {
            HeldVersion = version;
            Held = pending.Routes;
        }
        else
        {
            // The real agent puts its runtime map back when its state file cannot be written.
            Runtime = Held;
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

    /// <summary>Calls pass at once, or, once held, wait until released (counted while they wait).</summary>
    private sealed class Gate
    {
        private volatile TaskCompletionSource? _hold;
        private int _waiting;

        public int Waiting => Volatile.Read(ref _waiting);

        public void Hold() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release()
        {
            var hold = _hold;
            _hold = null;
            hold?.SetResult();
        }

        public async Task PassAsync()
        {
            if (_hold is { } hold)
            {
                Interlocked.Increment(ref _waiting);
                await hold.Task;
                Interlocked.Decrement(ref _waiting);
            }
        }
    }
}
