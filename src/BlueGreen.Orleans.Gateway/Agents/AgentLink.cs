using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using BlueGreen.Orleans.Proxies;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Agents;

/// <summary>
/// The proxy grain's way down one agent stream (<see cref="IAgentLink"/>, an Orleans observer): each call writes one
/// server message and waits for the agent's answer, matched by routes version or command id. Writes are serialized
/// (one response stream); when the stream ends every call still waiting fails at once, and later calls fail too.
/// </summary>
internal sealed class AgentLink(string proxyId, IServerStreamWriter<V1.ServerMessage> writer) : IAgentLink, IDisposable
{
    /// <summary>How long an answer may take; the grain waits less, so this only keeps a lost one from leaking.</summary>
    internal static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<AgentRoutesAck>> _acks = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<AgentRoutesAck>> _finalAcks = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<V1.CommandResult>> _commands = new(StringComparer.Ordinal);
    private long _nextCommand;
    private volatile string? _ended;

    public async Task<AgentRoutesAck> PushRoutesAsync(long version, ImmutableDictionary<string, string> routes)
    {
        var message = new V1.ServerMessage { Routes = new V1.DesiredRoutes { Version = version } };
        message.Routes.Routes.Add(routes);
        var answer = _acks.GetOrAdd(version, _ => new TaskCompletionSource<AgentRoutesAck>(TaskCreationOptions.RunContinuationsAsynchronously));

        // Only the last version pushed can be waited on for its final ack: an older one's is dropped (versions only
        // grow and the grain pushes one at a time), so nothing waits, or leaks, for an answer no one will ask for.
        foreach (var older in _finalAcks.Keys.Where(v => v < version))
        {
            if (_finalAcks.TryRemove(older, out var dropped))
            {
                dropped.TrySetException(Failed($"routes version {older} was superseded by {version}"));
                _ = dropped.Task.Exception;
            }
        }

        _finalAcks.TryAdd(version, new TaskCompletionSource<AgentRoutesAck>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await WriteAsync(message);
            return await answer.Task.WaitAsync(AnswerTimeout);
        }
        finally
        {
            _acks.TryRemove(KeyValuePair.Create(version, answer));
        }
    }

    public async Task<AgentRoutesAck> DurableAsync(long version)
    {
        if (!_finalAcks.TryGetValue(version, out var final))
        {
            throw Failed(_ended ?? $"no push of routes version {version} waits for its final acknowledgement");
        }

        try
        {
            return await final.Task.WaitAsync(AnswerTimeout);
        }
        finally
        {
            _finalAcks.TryRemove(KeyValuePair.Create(version, final));
        }
    }

    public async Task<BackendReport> RecheckAsync(string backend, bool forceDown)
    {
        var result = await CommandAsync(new V1.AgentCommand { RecheckBackend = new V1.RecheckBackend { Backend = backend, ForceDown = forceDown } });
        var snapshot = result.Snapshot ?? throw Failed("the agent answered a recheck without a snapshot");
        var state = snapshot.Backends.FirstOrDefault(b => b.Name == backend) ?? new V1.BackendState { Name = backend };
        return AgentMapper.ToReport(proxyId, state, snapshot.ReadAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow, snapshot.WorkerUptimeSeconds);
    }

    public async Task<DrainReport> ReadDrainAsync(string backend)
    {
        var result = await CommandAsync(new V1.AgentCommand { ReadDrain = new V1.ReadDrain { Backend = backend } });
        return AgentMapper.ToDrain(proxyId, result.Drain ?? throw Failed("the agent answered a drain reading without one"));
    }

    public async Task<ImmutableDictionary<string, string>> ReadRoutesAsync()
    {
        var result = await CommandAsync(new V1.AgentCommand { ReadRoutes = new V1.ReadRoutes() });
        return (result.Routes ?? throw Failed("the agent answered a routes reading without one")).Routes.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The agent's acknowledgement of a version; true when a call was waiting for it. A first one (runtime applied)
    /// answers the push; a final one answers the push if it still waits (an agent that acks once) and the final wait.
    /// </summary>
    public bool Acknowledged(V1.RoutesAck ack)
    {
        var answer = AgentMapper.ToAck(ack);
        var pushed = _acks.TryGetValue(ack.Version, out var waiting) && waiting.TrySetResult(answer);
        if (answer.Status == AgentAckStatus.RuntimeApplied)
        {
            return pushed;
        }

        return (_finalAcks.TryGetValue(ack.Version, out var final) && final.TrySetResult(answer)) || pushed;
    }

    public bool Answered(V1.CommandResult result) => _commands.TryGetValue(result.Id, out var waiting) && waiting.TrySetResult(result);

    /// <summary>The stream ended: every call waiting fails now, every later one at once.</summary>
    public void End(string why)
    {
        _ended = why;
        foreach (var waiting in _acks.Values.Concat(_finalAcks.Values))
        {
            waiting.TrySetException(Failed(why));
            _ = waiting.Task.Exception;
        }

        foreach (var waiting in _commands.Values)
        {
            waiting.TrySetException(Failed(why));
        }
    }

    public void Dispose() => _writing.Dispose();

    private async Task<V1.CommandResult> CommandAsync(V1.AgentCommand command)
    {
        command.Id = "c" + Interlocked.Increment(ref _nextCommand).ToString(CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<V1.CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _commands[command.Id] = answer;
        try
        {
            await WriteAsync(new V1.ServerMessage { Command = command });
            var result = await answer.Task.WaitAsync(AnswerTimeout);
            return result.Ok ? result : throw Failed($"the agent could not run the command: {result.Error}");
        }
        finally
        {
            _commands.TryRemove(command.Id, out _);
        }
    }

    private async Task WriteAsync(V1.ServerMessage message)
    {
        if (_ended is { } why)
        {
            throw Failed(why);
        }

        await _writing.WaitAsync();
        try
        {
            await writer.WriteAsync(message);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The response stream is over (the call ended or was cut).
            throw Failed($"the agent stream ended ({e.Message})");
        }
        finally
        {
            _writing.Release();
        }

        if (_ended is { } after)
        {
            throw Failed(after);
        }
    }

    private BlueGreenException Failed(string why) => new(ErrorCode.Unavailable, $"proxy '{proxyId}': agent: {why}");
}
