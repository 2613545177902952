namespace BlueGreen.Orleans.Agent.Snapshots;

/// <summary>
/// One server as a tick read it: <c>show stat</c> columns plus <c>used_cur</c> of <c>show servers conn</c>. Equality
/// leaves out <see cref="SecondsSinceLastChange"/>: it grows every second, so every backend would "change" every tick;
/// a real transition shows in <see cref="Status"/> and <see cref="CheckDownTransitions"/>.
/// </summary>
internal sealed record ServerView(
    string Name,
    string Status,
    string CheckStatus,
    long Sessions,
    long UsedConnections,
    long CheckDownTransitions,
    long SecondsSinceLastChange,
    long Http5xxResponses,
    long HttpResponses,
    string Address,
    long ConnectionErrors = 0,
    long ResponseErrors = 0,
    long ResponseTimeMs = 0,
    long TotalTimeMs = 0)
{
    public bool Equals(ServerView? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Status, other.Status, StringComparison.Ordinal)
        && string.Equals(CheckStatus, other.CheckStatus, StringComparison.Ordinal)
        && Sessions == other.Sessions
        && UsedConnections == other.UsedConnections
        && CheckDownTransitions == other.CheckDownTransitions
        && Http5xxResponses == other.Http5xxResponses
        && HttpResponses == other.HttpResponses
        && ConnectionErrors == other.ConnectionErrors
        && ResponseErrors == other.ResponseErrors
        && ResponseTimeMs == other.ResponseTimeMs
        && string.Equals(Address, other.Address, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Name, Status, Sessions, UsedConnections, CheckDownTransitions, HttpResponses);
}
