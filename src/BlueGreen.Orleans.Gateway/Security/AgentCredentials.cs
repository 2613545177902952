using BlueGreen.Orleans.Proxies;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>Checks an agent credential with the proxy grain it names (which holds the digest of the one it issued).</summary>
public class AgentCredentials(IClusterClient cluster)
{
    /// <summary>True when the credential is the current one of its proxy.</summary>
    public virtual async Task<bool> IsCurrentAsync(AgentCredential credential) =>
        await cluster.GetGrain<IProxyGrain>(credential.ProxyId).CheckAgentCredentialAsync(credential.Digest);
}
