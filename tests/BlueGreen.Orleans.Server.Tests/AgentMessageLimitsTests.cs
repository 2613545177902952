using BlueGreen.Orleans.Gateway.Agents;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// What an agent sends is checked before it reaches a proxy grain's memory, a status listing or an operator's terminal:
/// an agent is trusted with its one proxy, not with the silo's memory or the CLI user's screen.
/// </summary>
public sealed class AgentMessageLimitsTests
{
    [Theory]
    [InlineData("web_blue\u001b]0;pwned\u0007", "s1", "UP")]
    [InlineData("web_blue", "s1\u001b[2J", "UP")]
    [InlineData("web_blue", "s1", "UP\r\nDOWN")]
    public void Check_ControlCharacterInASnapshot_Refused(string backend, string server, string status)
    {
        var snapshot = Snapshot(backend, server, status);

        var error = Assert.Throws<RpcException>(() => AgentMessageLimits.Check(snapshot));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("control characters", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OversizedNameInASnapshotOrARoutesReading_Refused()
    {
        var longName = new string('a', AgentMessageLimits.MaxName + 1);
        var reading = new V1.CommandResult { Id = "c1", Ok = true, Routes = new V1.RoutesReading() };
        reading.Routes.Routes.Add(longName, "web_blue");

        Assert.Throws<RpcException>(() => AgentMessageLimits.Check(Snapshot(longName, "s1", "UP")));
        Assert.Throws<RpcException>(() => AgentMessageLimits.Check(reading));
    }

    [Fact]
    public void Check_SnapshotAsHaProxyWritesIt_Accepted()
    {
        AgentMessageLimits.Check(Snapshot("web_blue", "s1", "DOWN 1/2"));
    }

    private static V1.BackendSnapshot Snapshot(string backend, string server, string status)
    {
        var state = new V1.BackendState { Name = backend };
        state.Servers.Add(new V1.ServerStatus { Name = server, Status = status, CheckStatus = "L7OK", Address = "127.0.0.1:3000" });
        var snapshot = new V1.BackendSnapshot { Full = true };
        snapshot.Backends.Add(state);
        return snapshot;
    }
}
