using BlueGreen.Orleans.Harness.Load;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>The project's own closed-loop generator: raw sockets, one request at a time per client, never retries.</summary>
internal sealed class GeneratorClient : ILoadClient
{
    public string Name => "bluegreen-load";

    public async Task<ClientRun> RunAsync(LoadPlan plan, Func<CancellationToken, Task> duringLoad, CancellationToken cancellationToken)
    {
        await using var load = LoadGenerator.Start(plan.Frontends, new LoadOptions(plan.Host, plan.Clients, plan.Path));
        await Task.Delay(plan.WarmUp, cancellationToken);
        await duringLoad(cancellationToken);
        await load.WaitForRequestsAsync(plan.Requests, cancellationToken);
        var result = await load.StopAsync();
        var errors = result.Errors
            .GroupBy(e => e.Message, StringComparer.Ordinal)
            .Select(g => $"{g.Key} (×{g.Count()} of the first {result.Errors.Count} failures)")
            .ToList();
        return new ClientRun(Name, result.Sent, result.Failed, result.Duration, result.Percentile(0.50), result.Percentile(0.99), result.ByColour, errors);
    }
}
