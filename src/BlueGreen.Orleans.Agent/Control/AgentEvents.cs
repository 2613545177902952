using System.Threading.Channels;
using BlueGreen.Orleans.Agent.Routes;
using BlueGreen.Orleans.Agent.Snapshots;

namespace BlueGreen.Orleans.Agent.Control;

/// <summary>
/// What the tick loop hands to whichever stream is connected: acknowledgements the agent sent on its own (start,
/// reload, retry), and the latest snapshot. Bounded: while no stream is connected old acks are dropped (the hello
/// carries the held version anyway) and only the newest snapshot is kept.
/// </summary>
internal sealed class AgentEvents
{
    private readonly Channel<RoutesApplyResult> _acks = Channel.CreateBounded<RoutesApplyResult>(
        new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Channel<FleetSnapshot> _snapshots = Channel.CreateBounded<FleetSnapshot>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ChannelReader<RoutesApplyResult> Acks => _acks.Reader;

    public ChannelReader<FleetSnapshot> Snapshots => _snapshots.Reader;

    public void Publish(RoutesApplyResult ack) => _acks.Writer.TryWrite(ack);

    public void Publish(FleetSnapshot snapshot) => _snapshots.Writer.TryWrite(snapshot);
}
