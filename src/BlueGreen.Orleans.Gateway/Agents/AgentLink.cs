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
    private readonly ConcurrentDictionary<string, TaskCompletionSource<V1.CommandResult>> _commands = new(StringComparer.Ordinal);
    private long _nextCommand;
    private volatile string? _ended;

    public async Task<AgentRoutesAck> PushRoutesAsync(long version, ImmutableDictionary<string, string> routes)
    {
        var message = new V1.ServerMessage { Routes = new V1.DesiredRoutes { Version = version } };
        message.Routes.Routes.Add(routes);
        var answer = _acks.GetOrAdd(version, _ => new TaskCompletionSource<AgentRoutesAck>(TaskCreationOptions.RunContinuationsAsynchronously));
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

    /// <summary>The agent's acknowledgement of a version; true when a call was waiting for it.</summary>
    public bool Acknowledged(V1.RoutesAck ack) => _acks.TryGetValue(ack.Version, out var waiting) && waiting.TrySetResult(AgentMapper.ToAck(ack));

    public bool Answered(V1.CommandResult result) => _commands.TryGetValue(result.Id, out var waiting) && waiting.TrySetResult(result);

    /// <summary>The stream ended: every call waiting fails now, every later one at once.</summary>
    public void End(string why)
    {
        _ended = why;
        foreach (var waiting in _acks.Values)
        {
            waiting.TrySetException(Failed(why));
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
