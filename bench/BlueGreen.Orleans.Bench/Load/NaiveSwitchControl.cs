using BlueGreen.Orleans.HaProxy.Config;
using BlueGreen.Orleans.Testing;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>
/// The negative control: the naive way, without the orchestrator and without draining. One haproxy routes to blue;
/// both colours answer after a delay, so requests are in flight on blue at any moment; under load the map is switched
/// to green with <c>set map</c> and blue is killed at once. Requests in flight on blue must fail, and the client must
/// see them: if it does not, the harness cannot see failures and its zeros above prove nothing.
/// </summary>
internal static class NaiveSwitchControl
{
    public static async Task<ClientRun> RunAsync(ILoadClient client, int clients, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var blue = await EchoInstance.StartAsync("blue", "1", delay: delay, cancellationToken: cancellationToken);
        await using var green = await EchoInstance.StartAsync("green", "2", delay: delay, cancellationToken: cancellationToken);
        var backends = new ServiceBackends
        {
            Name = LoadFleet.Service,
            Blue = [blue.AsServer("s1")],
            Green = [green.AsServer("s1")],
            Check = TestChecks.Fast,
        };
        await using var proxy = await HaProxyInstance.StartAsync(
            [backends], new Dictionary<string, string> { [LoadFleet.Host] = BackendNames.For(LoadFleet.Service, HaProxy.Config.Colour.Blue) }, cancellationToken: cancellationToken);
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
        return await client.RunAsync(
            plan,
            async ct =>
            {
                await runtime.SetMapAsync(proxy.MapFile, LoadFleet.Host, BackendNames.For(LoadFleet.Service, HaProxy.Config.Colour.Green), ct);
                await blue.StopAsync();
            },
            cancellationToken);
    }
}
