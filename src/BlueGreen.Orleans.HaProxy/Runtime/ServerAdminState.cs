namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>The states <c>set server &lt;b&gt;/&lt;s&gt; state</c> accepts.</summary>
public enum ServerAdminState
{
    Ready,
    Drain,
    Maint,
}
