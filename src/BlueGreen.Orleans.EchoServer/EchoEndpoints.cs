using System.Globalization;

namespace BlueGreen.Orleans.EchoServer;

internal static class EchoEndpoints
{
    public static void MapEcho(this WebApplication app, EchoOptions options)
    {
        app.MapGet("/healthz", () => options.Healthy ? Results.Text("ok") : Results.Text("unhealthy", statusCode: 503));

        // Every other path and method echoes the request, after the configured delay (or ?delay_ms=N).
        app.Map("/{**path}", async (HttpContext context) =>
        {
            var delay = options.Delay;
            if (int.TryParse(context.Request.Query["delay_ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                delay = TimeSpan.FromMilliseconds(ms);
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            return Results.Json(new EchoResponse(
                options.Colour, options.Version, options.InstanceId, context.Request.Method, context.Request.Path.Value ?? "/", headers));
        });
    }
}
