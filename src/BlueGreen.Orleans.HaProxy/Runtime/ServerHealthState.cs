namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>The states <c>set server &lt;b&gt;/&lt;s&gt; health</c> forces; the next checks take over again.</summary>
public enum ServerHealthState
{
    Up,
    Stopping,
    Down,
}
