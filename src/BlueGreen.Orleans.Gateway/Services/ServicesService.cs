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
        return ProtoMapper.ToProto(await cluster.GetGrain<IServiceGrain>(spec.Name).ApplyAsync(spec));
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
        await cluster.GetGrain<IServiceGrain>(Fields.Service(request.Name, "name")).DeleteAsync();
        return new Empty();
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
