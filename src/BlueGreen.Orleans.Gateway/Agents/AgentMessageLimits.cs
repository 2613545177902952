using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Agents;

/// <summary>The limits agent.proto documents, checked on every message an agent sends; a message over one ends the stream.</summary>
internal static class AgentMessageLimits
{
    public const int MaxHelloText = 128;
    public const int MaxBackends = 500;
    public const int MaxServers = 1000;
    public const int MaxAckCommands = 10_000;
    public const int MaxErrorText = 512;
    public const int MaxRoutes = 10_000;

    /// <summary>Backend, server and map key names: the Runtime API allow-list's length.</summary>
    public const int MaxName = 128;

    /// <summary>Status texts ("UP", "DOWN 1/2", "L7OK"...) and addresses.</summary>
    public const int MaxText = 64;

    public static void Check(V1.AgentHello hello)
    {
        if (hello.ProxyId.Length > MaxHelloText || hello.AgentVersion.Length > MaxHelloText || hello.HaproxyVersion.Length > MaxHelloText)
        {
            throw Over($"hello strings are at most {MaxHelloText} characters");
        }

        if (hello.HeldVersion < 0)
        {
            throw Over("hello.held_version must not be negative");
        }
    }

    public static void Check(V1.RoutesAck ack)
    {
        if (ack.Commands.Count > MaxAckCommands || ack.Error.Length > MaxErrorText || ack.Commands.Any(c => c.Error.Length > MaxErrorText))
        {
            throw Over($"a routes ack holds at most {MaxAckCommands} commands and errors of at most {MaxErrorText} characters");
        }

        if (ack.Version < 0 || ack.HeldVersion < 0)
        {
            throw Over("routes ack versions must not be negative");
        }
    }

    public static void Check(V1.BackendSnapshot snapshot)
    {
        if (snapshot.Backends.Count > MaxBackends || snapshot.Backends.Any(b => b.Servers.Count > MaxServers)
            || snapshot.RemovedBackends.Count > MaxBackends || snapshot.Error.Length > MaxErrorText)
        {
            throw Over($"a snapshot holds at most {MaxBackends} backends of at most {MaxServers} servers");
        }

        foreach (var backend in snapshot.Backends)
        {
            Check(backend);
        }

        if (snapshot.RemovedBackends.Any(b => b.Length > MaxName))
        {
            throw Over($"backend names are at most {MaxName} characters");
        }
    }

    /// <summary>What reaches the proxy grain's memory from an agent: bounded names and texts (an agent is trusted with one proxy, not with the silo's memory).</summary>
    private static void Check(V1.BackendState backend)
    {
        if (backend.Name.Length > MaxName || backend.Servers.Count > MaxServers
            || backend.Servers.Any(s => s.Name.Length > MaxName || s.Status.Length > MaxText || s.CheckStatus.Length > MaxText || s.Address.Length > MaxName))
        {
            throw Over($"a backend has a name of at most {MaxName} characters and at most {MaxServers} servers with names of at most {MaxName} and statuses of at most {MaxText} characters");
        }

        // HAProxy's names and statuses never hold one; an operator's terminal would run an escape sequence in a table cell.
        if (HasControl(backend.Name) || backend.Servers.Any(s => HasControl(s.Name) || HasControl(s.Status) || HasControl(s.CheckStatus) || HasControl(s.Address)))
        {
            throw Over("backend and server names, statuses and addresses hold no control characters");
        }
    }

    public static void Check(V1.CommandResult result)
    {
        if (result.Id.Length > 64 || result.Error.Length > MaxErrorText)
        {
            throw Over($"a command result has an id of at most 64 and an error of at most {MaxErrorText} characters");
        }

        if (result.Snapshot is { } snapshot)
        {
            Check(snapshot);
        }

        if (result.Drain?.Servers is { } servers)
        {
            Check(servers);
        }

        if (result.Routes is { } routes && (routes.Routes.Count > MaxRoutes || routes.Routes.Any(r => r.Key.Length > MaxName || r.Value.Length > MaxName)))
        {
            throw Over($"a routes reading holds at most {MaxRoutes} routes of names of at most {MaxName} characters");
        }
    }

    private static bool HasControl(string text) => text.Any(char.IsControl);

    private static RpcException Over(string rule) => new(new Status(StatusCode.InvalidArgument, rule + " (agent.proto's limits)."));
}
