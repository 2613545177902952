namespace BlueGreen.Orleans.Proxies;

/// <summary>How the server reaches a proxy's HAProxy.</summary>
[GenerateSerializer, Alias("bluegreen.ProxyMode")]
public enum ProxyMode
{
    /// <summary>Itself: the Runtime API socket and the map file are reachable from the server (one host, or a shared volume).</summary>
    Direct = 0,

    /// <summary>Through the bluegreen-agent beside HAProxy, which dials out to the gateway with a credential bound to the proxy.</summary>
    Agent = 1,
}
