using System.Diagnostics;
using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>
/// The negative control: the naive way, without the orchestrator and without draining. One haproxy routes to blue;
/// both colours answer after a delay, so requests are in flight on blue at any moment; under load the map is switched
/// to green with <c>set map</c> and blue is killed at once. Requests in flight on blue must fail, and the client must
/// see them: if it does not, the harness cannot see failures and its zeros above prove nothing.
/// </summary>
internal static class NaiveSwitchControl
{
    public static async Task<ControlResult> RunAsync(ILoadClient client, bool required, int clients, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var blue = await EchoInstance.StartAsync("blue", "1", delay: delay, cancellationToken: cancellationToken);
        await using var green = await EchoInstance.StartAsync("green", "2", delay: delay, cancellationToken: cancellationToken);
        var backends = new ServiceBackends
        {
            Name = LoadFleet.Service,
            Blue = [blue.AsServer("s1")],
            Green = [green.AsServer("s1")],
            // The same checks as the proof's fleet, so green stays UP under load: every failure is blue's in-flight requests.
            Check = new HealthCheck(),
        };
        await using var proxy = await HaProxyInstance.StartAsync(
            [backends], new Dictionary<string, string> { [LoadFleet.Host] = Colour.Blue.Backend(LoadFleet.Service) }, cancellationToken: cancellationToken);
        using (var http = new FrontendClient(proxy.FrontendUrl, TimeSpan.FromSeconds(5)))
        {
            await Eventually.UntilAsync(
                async () => (await http.GetAsync(LoadFleet.Host, cancellationToken: cancellationToken)).Echo?.Colour,
                c => c == "blue",
                TimeSpan.FromSeconds(30),
                "blue behind the control's haproxy");
        }

        await using var runtime = proxy.CreateClient();
        // About 20 requests per client: a few seconds at this delay, with the switch one second in.
        var plan = new LoadPlan([proxy.FrontendUrl], LoadFleet.Host, "/", clients, clients * 20L, TimeSpan.FromSeconds(1));
        TimeSpan? killAfter = null;
        var run = await client.RunAsync(
            plan,
            async ct =>
            {
                var switching = Stopwatch.GetTimestamp();
                await runtime.SetMapAsync(proxy.MapFile, LoadFleet.Host, Colour.Green.Backend(LoadFleet.Service), ct);
                // A bare kill(2) of blue's pid, at once: killing the tree (EchoInstance.StopAsync) first walks /proc.
                using (var process = Process.GetProcessById(blue.Pid))
                {
                    process.Kill(entireProcessTree: false);
                }

                killAfter = Stopwatch.GetElapsedTime(switching);
                await blue.StopAsync();
            },
            cancellationToken);
        return new ControlResult(client.Name, run, killAfter, required, null);
    }
}
