using System.Net;
using BlueGreen.Orleans.Gateway.Agents;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BlueGreen.Orleans.Gateway;

public static class GatewayHostingExtensions
{
    private static readonly string[] LegacyTokenKeys = ["AdminTokens", "ReadTokens"];

    /// <summary>
    /// The gRPC gateway: its own HTTP/2 port for gRPC (cleartext HTTP/2 needs a port of its own: one endpoint for
    /// HTTP/1 and HTTP/2 without TLS fails with HTTP_1_1_REQUIRED), a second HTTP/1 port for the rest, bearer-token
    /// auth, server reflection and the standard health service. Needs an <see cref="IClusterClient"/> (a co-hosted
    /// silo or an Orleans client).
    /// </summary>
    public static WebApplicationBuilder AddBlueGreenGateway(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(GrpcGatewayOptions.Section);
        var options = new GrpcGatewayOptions();
        section.Bind(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", errors));
        }

        // Token files are read here, once: a token that cannot be read stops the start like any other bad setting.
        var tokens = GatewayTokens.Load(options.Tokens, out var tokenErrors);
        errors = [.. LegacyTokenSettings(builder.Configuration), .. tokenErrors];
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", errors));
        }

        builder.Services.AddOptions<GrpcGatewayOptions>().Bind(section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<WatchLimiter>();
        builder.Services.AddSingleton<AgentCredentials>();
        builder.Services.AddSingleton<AgentStreams>();
        builder.Services.AddSingleton<AuthInterceptor>();
        builder.Services.AddSingleton<ErrorInterceptor>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<AuthInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.MaxReceiveMessageSize = 1024 * 1024;
        }).AddServiceOptions<AgentsService>(agents => agents.MaxReceiveMessageSize = 4 * 1024 * 1024);
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        // Answer health requests from a fresh check, not from a cache that starts as UNKNOWN.
        builder.Services.Configure<Grpc.AspNetCore.HealthChecks.GrpcHealthChecksOptions>(o => o.UseHealthChecksCache = false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.CertificatePath is { } path)
                {
                    // Validate() opened it already; a file changed since then still stops the start here.
                    listen.UseHttps(CertificateFiles.TryLoadPkcs12("Gateway:", path, options.CertificatePassword, options.CertificatePasswordFile, out var error)
                        ?? throw new InvalidOperationException("Invalid configuration: " + error));
                }
            });
            kestrel.Listen(address, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        return builder;
    }

    /// <summary>The unnamed token lists this gateway once read: refused, so an old configuration fails loudly.</summary>
    private static IEnumerable<string> LegacyTokenSettings(ConfigurationManager configuration) =>
        LegacyTokenKeys
            .Where(key => configuration.GetSection($"{GrpcGatewayOptions.Section}:{key}").GetChildren().Any())
            .Select(key => $"Gateway:{key} was replaced by named tokens: Gateway:Tokens:<name>:Role (Admin or Read) with :File or :Value.");

    public static IEndpointRouteBuilder MapBlueGreenGateway(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ProxiesService>();
        app.MapGrpcService<ServicesService>();
        app.MapGrpcService<DeploymentsService>();
        app.MapGrpcService<AgentsService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapGet("/healthz", () => "ok");
        return app;
    }
}
