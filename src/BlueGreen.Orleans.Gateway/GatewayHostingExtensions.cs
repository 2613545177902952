using System.Net;
using BlueGreen.Orleans.Gateway.Agents;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Services;
using BlueGreen.Orleans.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi.Models;

namespace BlueGreen.Orleans.Gateway;

public static class GatewayHostingExtensions
{
    private static readonly string[] LegacyTokenKeys = ["AdminTokens", "ReadTokens"];

    private const int MaxMessageBytes = HttpAdmission.MaxBodyBytes;

    /// <summary>The name of the OpenAPI document: served at <c>/openapi/v1.json</c>.</summary>
    public const string OpenApiDocument = "v1";

    /// <summary>
    /// The gRPC gateway: its own HTTP/2 port for gRPC (cleartext HTTP/2 needs a port of its own: one endpoint for
    /// HTTP/1 and HTTP/2 without TLS fails with HTTP_1_1_REQUIRED), a second HTTP/1 port for the rest, bearer-token
    /// auth, server reflection and the standard health service. Every RPC is also served as HTTP/JSON (gRPC JSON
    /// transcoding) on the HTTP port, and on the gRPC port when it has TLS, with an OpenAPI document. Needs an <see cref="IClusterClient"/> (a co-hosted
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
        builder.Services.AddSingleton<DeploymentWatch>();
        builder.Services.AddSingleton<AgentCredentials>();
        builder.Services.AddSingleton<AgentStreams>();
        builder.Services.AddSingleton<AuthInterceptor>();
        builder.Services.AddSingleton<ErrorInterceptor>();
        // JSON transcoding binds each HTTP route to its gRPC method: the same interceptors (auth, errors) run for both.
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<AuthInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.MaxReceiveMessageSize = MaxMessageBytes;
        }).AddJsonTranscoding().AddServiceOptions<AgentsService>(agents => agents.MaxReceiveMessageSize = 4 * 1024 * 1024);
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc(OpenApiDocument, new OpenApiInfo { Title = "BlueGreen.Orleans", Version = OpenApiDocument });
            // Every route needs the same bearer token as gRPC (read or admin by AccessPolicy); the document says so.
            swagger.AddSecurityDefinition("bearer", new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "A gateway token (Gateway:Tokens); Read or Admin as AccessPolicy lists the route's gRPC method." });
            swagger.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "bearer" } }] = [],
            });
        });
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
                    // With TLS, ALPN tells HTTP/2 (gRPC) from HTTP/1.1 (the JSON API) on the same port.
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
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
        app.MapGrpcService<ProxiesService>().RequireAdmission();
        app.MapGrpcService<ServicesService>().RequireAdmission();
        app.MapGrpcService<DeploymentsService>().RequireAdmission();
        app.MapGrpcService<AccessService>().RequireAdmission();
        app.MapGrpcService<AgentsService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapGet("/healthz", () => "ok");
        // Describes the HTTP/JSON routes only (like reflection for gRPC): no token needed, no state read.
        app.MapSwagger("/openapi/{documentName}.json");
        // The web view (public page, every data call admitted as its RPC) and the watch as server-sent events.
        app.MapBlueGreenWeb();
        return app;
    }
}
