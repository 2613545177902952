namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary><c>srv_op_state</c> of <c>show servers state</c>.</summary>
public enum ServerOperationalState
{
    Stopped = 0,
    Starting = 1,
    Running = 2,
    Stopping = 3,
}
