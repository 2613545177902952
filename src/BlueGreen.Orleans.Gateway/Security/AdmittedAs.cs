using Google.Protobuf.Reflection;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Endpoint metadata of an HTTP endpoint that is no gRPC method but serves one's data another way (the deployment watch
/// as server-sent events): <see cref="HttpAdmission"/> admits its requests exactly as calls of that method, from this
/// metadata fixed when the endpoint was mapped, never from the request's text.
/// </summary>
public sealed record AdmittedAs(string Method)
{
    public AdmittedAs(MethodDescriptor method)
        : this($"/{method.Service.FullName}/{method.Name}")
    {
    }
}
