namespace BlueGreen.Orleans.HaProxy.Maps;

/// <summary>How a durable write (<see cref="DurableFile"/>) competes for the CPU.</summary>
public enum WritePriority
{
    /// <summary>As the caller's process.</summary>
    Normal,

    /// <summary>
    /// The lowest CPU priority (nice 19): bookkeeping after the change already took effect, which must not take CPU from
    /// what moves traffic now (HAProxy, an acknowledgement, another proxy's switch on the same host) and runs at full
    /// speed when nothing else wants the CPU.
    /// </summary>
    Background,
}
