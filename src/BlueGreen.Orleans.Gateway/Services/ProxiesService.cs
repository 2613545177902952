using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Gateway.Agents;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Validation;
using BlueGreen.Orleans.Proxies;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

internal sealed class ProxiesService(IClusterClient cluster, AgentStreams streams) : V1.Proxies.ProxiesBase
{
    public override async Task<V1.Proxy> RegisterProxy(V1.RegisterProxyRequest request, ServerCallContext context)
    {
        var id = Fields.Proxy(request.Id);
        if (request.Agent)
        {
            return await RegisterAgentAsync(id, request);
        }

        Bounded(request.RuntimeApi, "runtime_api");
        Bounded(request.MapFile, "map_file");
        Bounded(request.MapFileWritePath, "map_file_write_path", required: false);
        Bounded(request.MasterApi, "master_api", required: false);
        var grain = cluster.GetGrain<IProxyGrain>(id);
        await grain.RegisterAsync(ProtoMapper.ToContract(request));
        return await ReadAsync(grain);
    }

    public override async Task<Empty> RemoveProxy(V1.RemoveProxyRequest request, ServerCallContext context)
    {
        await cluster.GetGrain<IProxyGrain>(Fields.Proxy(request.Id)).RemoveAsync();
        return new Empty();
    }

    public override async Task<V1.ListProxiesResponse> ListProxies(V1.ListProxiesRequest request, ServerCallContext context)
    {
        var ids = await cluster.GetCatalogGrain().ListProxiesAsync();
        var response = new V1.ListProxiesResponse();
        response.Proxies.AddRange(await Task.WhenAll(ids.Select(id => ReadAsync(cluster.GetGrain<IProxyGrain>(id)))));
        return response;
    }

    public override async Task<V1.Proxy> GetProxy(V1.GetProxyRequest request, ServerCallContext context)
    {
        var id = Fields.Proxy(request.Id);
        var grain = cluster.GetGrain<IProxyGrain>(id);
        var proxy = await ReadAsync(grain);
        return proxy.Mode == V1.ProxyMode.Unspecified ? throw new RpcException(new Status(StatusCode.NotFound, $"proxy '{id}' is not registered.")) : proxy;
    }

    /// <summary>
    /// Agent mode: a fresh credential, whose digest only the grain keeps; the reply shows the credential this once.
    /// The stream of the credential before it is cut here at once (and by the grain at its next report elsewhere).
    /// </summary>
    private async Task<V1.Proxy> RegisterAgentAsync(string id, V1.RegisterProxyRequest request)
    {
        if (request.RuntimeApi.Length > 0 || request.MapFile.Length > 0 || request.MapFileWritePath.Length > 0 || request.MasterApi.Length > 0)
        {
            throw Fields.Invalid("agent", "a proxy in agent mode takes no runtime_api, map_file, map_file_write_path or master_api (its agent reaches HAProxy on its own host)");
        }

        var grain = cluster.GetGrain<IProxyGrain>(id);
        var (credential, issued) = AgentCredential.Issue(id);
        await grain.RegisterAgentAsync(ProtoMapper.ToContract(request), issued.Digest);
        streams.Cut(id);
        var proxy = await ReadAsync(grain);
        proxy.AgentCredential = credential;
        return proxy;
    }

    /// <summary>What the proxy grain last saw (its monitor's snapshot): no Runtime API I/O, so no wait behind a switch.</summary>
    private static async Task<V1.Proxy> ReadAsync(IProxyGrain grain) => ProtoMapper.ToProto(await grain.GetStatusAsync());

    private static void Bounded(string value, string field, bool required = true)
    {
        if (required && value.Length == 0)
        {
            throw Fields.Invalid(field, "is required");
        }

        if (value.Length > 1024)
        {
            throw Fields.Invalid(field, "must be at most 1024 characters");
        }
    }
}
