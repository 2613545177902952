namespace BlueGreen.Orleans.Agent.Commands;

internal enum AgentCommandKind
{
    RecheckBackend,
    ReadDrain,
    ReadRoutes,
}
