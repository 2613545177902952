using System.Globalization;
using System.Text;
using System.Text.Json;
using BlueGreen.Orleans.Gateway.Security;
using BlueGreen.Orleans.Gateway.Services;
using BlueGreen.Orleans.Gateway.Validation;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Gateway.Web;

/// <summary>
/// <c>WatchDeployment</c> as server-sent events (<c>text/event-stream</c>) for browsers: admitted exactly as that RPC
/// (<see cref="HttpAdmission.RequireAdmissionAs{TBuilder}"/>: bearer token in the Authorization header, read access,
/// default deny), counted against the same per-token watch limit, and fed by the same <see cref="DeploymentWatch"/>.
/// Each changed update is one <c>update</c> event (the <see cref="V1.DeploymentUpdate"/> in proto JSON); the stream ends
/// with an <c>end</c> event when the deployment ends, or an <c>error</c> event once it has started. A refusal before
/// the first event is an HTTP status with the API's one-line JSON error.
/// </summary>
internal static partial class DeploymentEvents
{
    public const string Route = "/v1/services/{service}/deployments/{id}/events";

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static IEndpointConventionBuilder MapDeploymentEvents(this IEndpointRouteBuilder app) =>
        app.MapGet(Route, StreamAsync)
            .RequireAdmissionAs(V1.Deployments.Descriptor.FindMethodByName(nameof(V1.Deployments.DeploymentsBase.WatchDeployment)))
            .ExcludeFromDescription();

    private static async Task StreamAsync(HttpContext http, string service, string id, DeploymentWatch watch, ILoggerFactory loggers)
    {
        var aborted = http.RequestAborted;
        string? last = null;
        try
        {
            var name = Fields.Service(service);
            var number = Fields.Id(long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0);
            await watch.RunAsync(name, number, Caller.Of(http), async (update, cancellationToken) =>
            {
                // The watch polls ten times a second: only a change is worth an event.
                var json = Json.Format(update);
                if (update.Events.Count == 0 && json == last)
                {
                    return;
                }

                last = json;
                var sequence = update.Events.Count > 0 ? update.Events[^1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
                await WriteEventAsync(http, "update", json, sequence, cancellationToken);
            }, aborted);
            await WriteEventAsync(http, "end", "{}", null, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The browser went away.
        }
        catch (Exception e) when (e is RpcException || ErrorInterceptor.Map(e) is not null)
        {
            var status = e is RpcException refused ? refused.Status : ErrorInterceptor.Map(e)!.Value;
            if (status.StatusCode == StatusCode.Internal && e is not BlueGreenException)
            {
                Log.Unexpected(loggers.CreateLogger(typeof(DeploymentEvents).FullName!), e);
            }

            if (!http.Response.HasStarted)
            {
                await HttpAdmission.RefuseAsync(http, HttpAdmission.HttpStatusOf(status.StatusCode), status);
                return;
            }

            await WriteEventAsync(http, "error", JsonSerializer.Serialize(new { code = (int)status.StatusCode, message = status.Detail }), null, aborted);
        }
    }

    private static async Task WriteEventAsync(HttpContext http, string kind, string data, string? id, CancellationToken cancellationToken)
    {
        if (!http.Response.HasStarted)
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-store";
            // Proxies in front (nginx) must pass each event on as it comes.
            http.Response.Headers["X-Accel-Buffering"] = "no";
        }

        var frame = new StringBuilder();
        if (id is not null)
        {
            frame.Append("id: ").Append(id).Append('\n');
        }

        // Proto JSON is one line: no newline inside data can split the event.
        frame.Append("event: ").Append(kind).Append('\n').Append("data: ").Append(data).Append("\n\n");
        await http.Response.WriteAsync(frame.ToString(), cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Unexpected failure in the deployment events stream; the client was answered INTERNAL without details")]
        public static partial void Unexpected(ILogger logger, Exception exception);
    }
}
