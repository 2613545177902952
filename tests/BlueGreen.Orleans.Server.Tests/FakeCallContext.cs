using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>A call context whose HttpContext carries the routed endpoint, as Grpc.AspNetCore's does.</summary>
internal sealed class FakeCallContext : ServerCallContext
{
    private readonly string _path;
    private readonly Metadata _headers = [];

    public FakeCallContext(string path, string? token, IMethod? bound)
    {
        _path = path;
        if (token is not null)
        {
            _headers.Add("authorization", "Bearer " + token);
        }

        var http = new DefaultHttpContext();
        if (bound is not null)
        {
            http.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(new GrpcMethodMetadata(typeof(object), bound)), bound.FullName));
        }

        UserState["__HttpContext"] = http;
    }

    protected override string MethodCore => _path;

    protected override string HostCore => "127.0.0.1";

    protected override string PeerCore => "ipv4:127.0.0.1:1";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => _headers;

    protected override CancellationToken CancellationTokenCore => CancellationToken.None;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
