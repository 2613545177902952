namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>Why routes were applied (agent.proto's RoutesAckTrigger).</summary>
internal enum ApplyTrigger
{
    Server,
    Start,
    HaProxyChanged,
    Retry,
}
