using BlueGreen.Orleans.Catalog;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Validation;
using BlueGreen.Orleans.Services;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Services;

internal sealed class ServicesService(IClusterClient cluster) : V1.Services.ServicesBase
{
    /// <summary>What a read token sees instead of an environment value.</summary>
    public const string Redacted = "(redacted)";

    public override async Task<V1.Service> ApplyService(V1.ApplyServiceRequest request, ServerCallContext context)
    {
        var spec = ProtoMapper.ToContract(request.Spec);
        return ProtoMapper.ToProto(await cluster.GetGrain<IServiceGrain>(spec.Name).ApplyAsync(spec, request.AdoptServed));
    }

    public override async Task<V1.Service> GetService(V1.GetServiceRequest request, ServerCallContext context)
    {
        var name = Fields.Service(request.Name, "name");
        var info = await cluster.GetGrain<IServiceGrain>(name).GetAsync();
        return info is null ? throw new RpcException(new Status(StatusCode.NotFound, $"service '{name}' does not exist.")) : ForCaller(info, context);
    }

    public override async Task<V1.ListServicesResponse> ListServices(V1.ListServicesRequest request, ServerCallContext context)
    {
        var names = await cluster.GetCatalogGrain().ListServicesAsync();
        var infos = await Task.WhenAll(names.Select(n => cluster.GetGrain<IServiceGrain>(n).GetAsync()));
        var response = new V1.ListServicesResponse();
        response.Services.AddRange(infos.OfType<ServiceInfo>().Select(info => ForCaller(info, context)));
        return response;
    }

    public override async Task<Empty> DeleteService(V1.DeleteServiceRequest request, ServerCallContext context)
    {
        await cluster.GetGrain<IServiceGrain>(Fields.Service(request.Name, "name")).DeleteAsync(request.KeepInstances);
        return new Empty();
    }

    public override async Task<V1.Service> SetMaintenance(V1.SetMaintenanceRequest request, ServerCallContext context)
    {
        var name = Fields.Service(request.Name, "name");
        var message = Fields.MaintenanceMessage(request.Message, request.Enabled);
        return ProtoMapper.ToProto(await cluster.GetGrain<IServiceGrain>(name).SetMaintenanceAsync(request.Enabled, message));
    }

    private const int MaxListedServices = 1000;

    public override async Task<V1.ListInstancesResponse> ListInstances(V1.ListInstancesRequest request, ServerCallContext context)
    {
        // Each name is a grain call: a list longer than any fleet's service count is refused, not fanned out.
        if (request.Services.Count > MaxListedServices)
        {
            throw Fields.Invalid("services", $"at most {MaxListedServices} names; send none to list every service");
        }

        var named = request.Services.Select(s => Fields.Service(s, "services")).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyCollection<string> names = named.Count > 0 ? named : await cluster.GetCatalogGrain().ListServicesAsync();
        var response = new V1.ListInstancesResponse();
        foreach (var instances in await Task.WhenAll(names.Select(n => ListAsync(n, listed: named.Count == 0))))
        {
            response.Instances.AddRange(instances.Select(ProtoMapper.ToProto));
        }

        return response;
    }

    /// <summary>A service the catalog listed may be deleted meanwhile: then it has no instances to show.</summary>
    private async Task<IReadOnlyList<InstanceInfo>> ListAsync(string service, bool listed)
    {
        try
        {
            return await cluster.GetGrain<IServiceGrain>(service).ListInstancesAsync();
        }
        catch (BlueGreenException e) when (listed && e.Code == ErrorCode.NotFound)
        {
            return [];
        }
    }

    /// <summary>A read token sees every environment value of a spec redacted: they often hold credentials.</summary>
    private static V1.Service ForCaller(ServiceInfo info, ServerCallContext context)
    {
        var service = ProtoMapper.ToProto(info);
        if (Caller.Of(context).Role != TokenRole.Admin)
        {
            foreach (var colour in new[] { service.Spec.Blue, service.Spec.Green }.OfType<V1.ColourSpec>())
            {
                foreach (var key in colour.Environment.Keys.ToList())
                {
                    colour.Environment[key] = Redacted;
                }
            }
        }

        return service;
    }
}
