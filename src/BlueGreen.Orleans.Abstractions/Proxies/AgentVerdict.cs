namespace BlueGreen.Orleans.Proxies;

/// <summary>The proxy grain's answer to an agent stream's hello or report: whether that stream may go on.</summary>
[GenerateSerializer, Alias("bluegreen.AgentVerdict")]
public enum AgentVerdict
{
    /// <summary>The stream is the proxy's current one and its credential is still the issued one.</summary>
    Current = 0,

    /// <summary>Another stream for the same proxy opened since: this one is cut.</summary>
    Superseded = 1,

    /// <summary>The credential was re-issued or the proxy removed or re-registered: this stream is cut.</summary>
    Revoked = 2,
}
