using BlueGreen.Orleans.Agent.Commands;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;
using Google.Protobuf.WellKnownTypes;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Agent.Control;

/// <summary>Between agent.proto messages and the agent's own types, in small static methods.</summary>
internal static class ProtoMapper
{
    /// <summary>agent.proto: at most this many backends per snapshot message.</summary>
    public const int MaxBackendsPerMessage = 500;

    public static DesiredRoutes ToDesired(V1.DesiredRoutes routes) =>
        new(routes.Version, new Dictionary<string, string>(routes.Routes, StringComparer.Ordinal));

    public static AgentCommandRequest? ToRequest(V1.AgentCommand command) => command.KindCase switch
    {
        V1.AgentCommand.KindOneofCase.RecheckBackend => new AgentCommandRequest(command.Id, AgentCommandKind.RecheckBackend, command.RecheckBackend.Backend, command.RecheckBackend.ForceDown),
        V1.AgentCommand.KindOneofCase.ReadDrain => new AgentCommandRequest(command.Id, AgentCommandKind.ReadDrain, command.ReadDrain.Backend),
        V1.AgentCommand.KindOneofCase.ReadRoutes => new AgentCommandRequest(command.Id, AgentCommandKind.ReadRoutes, string.Empty),
        _ => null,
    };

    public static V1.RoutesAck ToAck(RoutesApplyResult result)
    {
        var ack = new V1.RoutesAck
        {
            Version = result.Version,
            Status = result.Status switch
            {
                AckStatus.Applied => V1.RoutesAckStatus.Applied,
                AckStatus.AlreadyHeld => V1.RoutesAckStatus.AlreadyHeld,
                AckStatus.Stale => V1.RoutesAckStatus.Stale,
                AckStatus.Refused => V1.RoutesAckStatus.Refused,
                AckStatus.RuntimeApplied => V1.RoutesAckStatus.RuntimeApplied,
                _ => V1.RoutesAckStatus.Failed,
            },
            HeldVersion = result.HeldVersion,
            Trigger = result.Trigger switch
            {
                ApplyTrigger.Server => V1.RoutesAckTrigger.Server,
                ApplyTrigger.Start => V1.RoutesAckTrigger.Start,
                ApplyTrigger.HaProxyChanged => V1.RoutesAckTrigger.HaproxyChanged,
                _ => V1.RoutesAckTrigger.Retry,
            },
            Error = result.Error ?? string.Empty,
            StateFile = Duration.FromTimeSpan(result.StateFile),
            MapFile = Duration.FromTimeSpan(result.MapFile),
            Runtime = Duration.FromTimeSpan(result.Runtime),
            Total = Duration.FromTimeSpan(result.Total),
            FinishedAt = Timestamp.FromDateTimeOffset(result.FinishedAt),
            HaproxyPid = result.HaProxyPid,
        };
        ack.Commands.AddRange(result.Commands.Select(c => new V1.RouteCommandResult
        {
            Command = c.Command,
            Key = c.Key,
            Value = c.Value,
            Ok = c.Ok,
            Error = c.Error ?? string.Empty,
            Duration = Duration.FromTimeSpan(c.Duration),
        }));
        return ack;
    }

    /// <summary>A change as one or more messages of at most <see cref="MaxBackendsPerMessage"/> backends; the last one is complete.</summary>
    public static IEnumerable<V1.BackendSnapshot> ToSnapshots(SnapshotChange change)
    {
        var chunks = change.Changed.Chunk(MaxBackendsPerMessage).ToList();
        if (chunks.Count == 0)
        {
            chunks.Add([]);
        }

        for (var i = 0; i < chunks.Count; i++)
        {
            var message = new V1.BackendSnapshot
            {
                ReadAt = Timestamp.FromDateTimeOffset(change.ReadAt),
                Full = change.Full,
                HaproxyPid = change.WorkerPid,
                WorkerUptimeSeconds = change.WorkerUptimeSeconds,
                Complete = i == chunks.Count - 1,
            };
            message.Backends.AddRange(chunks[i].Select(ToBackend));
            if (i == chunks.Count - 1)
            {
                message.RemovedBackends.AddRange(change.Removed);
            }

            yield return message;
        }
    }

    public static V1.CommandResult ToResult(CommandOutcome outcome)
    {
        var result = new V1.CommandResult { Id = outcome.Id, Ok = outcome.Ok, Error = outcome.Error ?? string.Empty, Duration = Duration.FromTimeSpan(outcome.Duration) };
        if (outcome.Snapshot is { } snapshot)
        {
            result.Snapshot = ToSnapshots(SnapshotDiff.Compute(null, snapshot)).Single();
        }
        else if (outcome.Routes is { } routes)
        {
            result.Routes = new V1.RoutesReading();
            result.Routes.Routes.Add(routes.Take(10_000).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal));
        }
        else if (outcome.Drain is { } drain)
        {
            result.Drain = new V1.DrainReading
            {
                Backend = drain.Backend,
                LiveSessions = drain.LiveSessions,
                OldWorkersRead = drain.OldWorkersRead,
                ReadAt = Timestamp.FromDateTimeOffset(drain.ReadAt),
                Servers = drain.Servers is { } servers ? ToBackend(servers) : null,
                WorkerPid = drain.WorkerPid,
                WorkerUptimeSeconds = drain.WorkerUptimeSeconds,
                MasterPid = drain.MasterPid,
                MasterUptimeSeconds = (long)drain.MasterUptime.TotalSeconds,
                MasterError = drain.MasterError ?? string.Empty,
            };
            result.Drain.OldWorkers.AddRange(drain.OldWorkers.Select(w => new V1.WorkerSessions { Pid = w.Pid, Sessions = w.Sessions }));
        }

        return result;
    }

    private static V1.BackendState ToBackend(BackendView backend)
    {
        var state = new V1.BackendState
        {
            Name = backend.Name,
            Totals = backend.Totals is { } t
                ? new V1.BackendTotals { Http5XxResponses = t.Http5xxResponses, HttpResponses = t.HttpResponses, ConnectionErrors = t.ConnectionErrors, ResponseErrors = t.ResponseErrors }
                : null,
        };
        state.Servers.AddRange(backend.Servers.Take(1000).Select(s => new V1.ServerStatus
        {
            Name = s.Name,
            Status = s.Status,
            CheckStatus = s.CheckStatus,
            Sessions = s.Sessions,
            UsedConnections = s.UsedConnections,
            CheckDownTransitions = s.CheckDownTransitions,
            SecondsSinceLastChange = s.SecondsSinceLastChange,
            Http5XxResponses = s.Http5xxResponses,
            HttpResponses = s.HttpResponses,
            Address = s.Address,
            ConnectionErrors = s.ConnectionErrors,
            ResponseErrors = s.ResponseErrors,
            ResponseTimeMs = s.ResponseTimeMs,
            TotalTimeMs = s.TotalTimeMs,
        }));
        return state;
    }
}
