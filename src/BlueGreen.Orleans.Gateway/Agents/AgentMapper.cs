using System.Collections.Immutable;
using BlueGreen.Orleans.Proxies;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Agents;

/// <summary>From agent.proto's messages (limits already checked) to what a proxy grain keeps.</summary>
internal static class AgentMapper
{
    public static BackendReport ToReport(string proxyId, V1.BackendState backend, DateTimeOffset readAt, long workerUptimeSeconds) => new()
    {
        ProxyId = proxyId,
        Backend = backend.Name,
        Reachable = true,
        ReadAt = readAt,
        WorkerUptime = workerUptimeSeconds > 0 ? TimeSpan.FromSeconds(workerUptimeSeconds) : null,
        Servers = backend.Servers
            .Select(s => new ServerHealth(s.Name, s.Status, s.CheckStatus, s.Sessions, s.UsedConnections, s.Http5XxResponses, s.HttpResponses)
            {
                ConnectionErrors = s.ConnectionErrors,
                ResponseErrors = s.ResponseErrors,
                ResponseTimeMs = s.ResponseTimeMs,
                TotalTimeMs = s.TotalTimeMs,
            })
            .ToImmutableList(),
        Totals = backend.Totals is { } t ? new BackendTotals(t.Http5XxResponses, t.HttpResponses, t.ConnectionErrors, t.ResponseErrors) : null,
    };

    public static AgentRoutesAck ToAck(V1.RoutesAck ack) => new()
    {
        Version = ack.Version,
        Status = ack.Status switch
        {
            V1.RoutesAckStatus.Applied => AgentAckStatus.Applied,
            V1.RoutesAckStatus.AlreadyHeld => AgentAckStatus.AlreadyHeld,
            V1.RoutesAckStatus.Stale => AgentAckStatus.Stale,
            V1.RoutesAckStatus.Refused => AgentAckStatus.Refused,
            V1.RoutesAckStatus.RuntimeApplied => AgentAckStatus.RuntimeApplied,
            _ => AgentAckStatus.Failed,
        },
        HeldVersion = ack.HeldVersion,
        Error = ack.Error.Length == 0 ? null : ack.Error,
        Total = ack.Total?.ToTimeSpan() ?? TimeSpan.Zero,
        Runtime = ack.Runtime?.ToTimeSpan() ?? TimeSpan.Zero,
    };

    /// <summary>
    /// A drain reading as the deployment engine reads a direct proxy's: the live worker, then the others through the
    /// master CLI. The agent has one when it read it or says why it could not.
    /// </summary>
    public static DrainReport ToDrain(string proxyId, V1.DrainReading drain)
    {
        var hasMaster = drain.OldWorkersRead || drain.MasterError.Length > 0;
        var readAt = drain.ReadAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow;
        var live = drain.Servers is { } servers
            ? ToReport(proxyId, servers, readAt, drain.WorkerUptimeSeconds)
            : new BackendReport { ProxyId = proxyId, Backend = drain.Backend, Reachable = true, ReadAt = readAt };
        var masterRead = hasMaster && drain.OldWorkersRead && drain.MasterPid != 0;
        return new DrainReport
        {
            Live = live,
            WorkerPid = drain.WorkerPid == 0 ? null : drain.WorkerPid,
            WorkerUptime = drain.WorkerPid == 0 ? null : TimeSpan.FromSeconds(drain.WorkerUptimeSeconds),
            HasMaster = hasMaster,
            MasterPid = masterRead ? drain.MasterPid : null,
            MasterUptime = masterRead ? TimeSpan.FromSeconds(drain.MasterUptimeSeconds) : null,
            OtherWorkers = masterRead ? drain.OldWorkers.Select(w => new WorkerSessions(w.Pid, w.Sessions, false)).ToImmutableList() : [],
            MasterError = hasMaster && !masterRead ? (drain.MasterError.Length > 0 ? drain.MasterError : "the agent's master CLI was not read") : null,
        };
    }
}
