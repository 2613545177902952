using System.Globalization;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness.Load;
using Google.Protobuf;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// 100 conflicting commands (release, promote, rollback, abort) sent at once, twice, to one service of a real server
/// behind a real haproxy under client load. One deployment at a time: the deployments started never overlap in time,
/// every refused command is FAILED_PRECONDITION and, when a deployment was running, names it; no deployment appears
/// that no command started; every record's step timeline lies inside its own span; the fleet ends on one colour.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed partial class ConcurrencyTests(GatewayStage stage, ReliabilityReport report) : IClassFixture<GatewayStage>
{
    private const string Service = "race";
    private const int Commands = 100;

    [GeneratedRegex(@"deployment (?<id>\d+) ", RegexOptions.CultureInvariant)]
    private static partial Regex NamedDeployment();

    private sealed record Outcome(int Index, string Kind, StatusCode Code, string Detail, long? Id, DateTimeOffset Sent, DateTimeOffset Answered);

    [Fact]
    public async Task ConflictingCommands_HundredAtOnce_OneDeploymentAtATimeOthersRefusedNamingIt()
    {
        // Verify for 2 s after each switch, so a deployment lasts long enough for the burst to meet it running.
        await stage.ApplyAsync(stage.Spec(Service, verifyWindow: TimeSpan.FromSeconds(2), keepWarm: TimeSpan.FromMinutes(10)));
        await stage.Deployments.ReleaseAsync(new V1.ReleaseRequest { Service = Service, Version = "2" }, GatewayStage.Admin);
        await stage.WaitIdleAsync(Service, TimeSpan.FromSeconds(90));
        await stage.WaitUntilServingAsync(Service, "green");
        var setup = (await History()).Select(d => d.Id).ToHashSet();

        await using var load = LoadGenerator.Start([stage.Proxy.FrontendUrl], new LoadOptions(GatewayStage.RouteKey(Service), Clients: 16));
        await load.WaitForRequestsAsync(100);
        var outcomes = new List<Outcome>();
        for (var wave = 0; wave < 2; wave++)
        {
            outcomes.AddRange(await BurstAsync(wave));
            await stage.WaitIdleAsync(Service, TimeSpan.FromSeconds(120));
        }

        var result = await load.StopAsync();
        var history = await History();
        var service = await stage.Services.GetServiceAsync(new V1.GetServiceRequest { Name = Service }, GatewayStage.Admin);
        var routes = (await stage.SnapshotAsync()).Routes;

        var problems = new List<string>();
        var started = outcomes.Where(o => o.Kind != "abort" && o.Code == StatusCode.OK).ToList();
        var records = history.Where(d => !setup.Contains(d.Id)).ToDictionary(d => d.Id);
        if (started.Count == 0)
        {
            problems.Add("no command started a deployment");
        }

        if (!started.Select(o => o.Id!.Value).Order().SequenceEqual(records.Keys.Order()))
        {
            problems.Add($"started [{string.Join(",", started.Select(o => o.Id))}] but the history holds [{string.Join(",", records.Keys)}]");
        }

        (DateTimeOffset From, DateTimeOffset To) Span(V1.Deployment d) => (d.CreatedAt.ToDateTimeOffset(), d.FinishedAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue);
        bool RanThroughout(Outcome o) => records.Values.Any(d => Span(d).From <= o.Sent && Span(d).To >= o.Answered);
        foreach (var o in outcomes.Where(o => o.Code != StatusCode.OK))
        {
            if (o.Code != StatusCode.FailedPrecondition)
            {
                problems.Add($"#{o.Index} {o.Kind}: {o.Code} {o.Detail}");
                continue;
            }

            var named = NamedDeployment().Match(o.Detail);
            if (named.Success)
            {
                var id = long.Parse(named.Groups["id"].Value, CultureInfo.InvariantCulture);
                // The deployment it names must have been running while the command was answered.
                if (!records.TryGetValue(id, out var running) || Span(running).From > o.Answered || Span(running).To < o.Sent)
                {
                    problems.Add($"#{o.Index} {o.Kind} named deployment {id}, which was not running then: {o.Detail}");
                }
            }
            else if (RanThroughout(o))
            {
                problems.Add($"#{o.Index} {o.Kind} was refused without naming the deployment that ran throughout: {o.Detail}");
            }
        }

        foreach (var abort in outcomes.Where(o => o.Kind == "abort" && o.Code == StatusCode.OK))
        {
            if (!records.ContainsKey(abort.Id!.Value))
            {
                problems.Add($"#{abort.Index} abort returned deployment {abort.Id}, which no command of the burst started");
            }
        }

        // One at a time: ordered by start, each deployment finished before the next one began.
        var ordered = history.OrderBy(d => d.Id).ToList();
        foreach (var (before, after) in ordered.Zip(ordered.Skip(1)))
        {
            if (before.FinishedAt is null || before.FinishedAt.ToDateTimeOffset() > after.CreatedAt.ToDateTimeOffset())
            {
                problems.Add($"deployment {before.Id} ({Span(before).From:HH:mm:ss.fff}–{Span(before).To:HH:mm:ss.fff}) overlaps {after.Id} (from {Span(after).From:HH:mm:ss.fff})");
            }
        }

        // Each record's step timeline lies inside its own span, in order.
        foreach (var d in ordered)
        {
            var events = d.Events.ToList();
            if (events.FirstOrDefault(e => e.At.ToDateTimeOffset() < Span(d).From || e.At.ToDateTimeOffset() > Span(d).To) is { } outside)
            {
                problems.Add($"deployment {d.Id} ({Span(d).From:HH:mm:ss.fffffff}–{Span(d).To:HH:mm:ss.fffffff}): event {outside.Sequence} '{outside.Message}' at {outside.At.ToDateTimeOffset():HH:mm:ss.fffffff} lies outside it");
            }

            if (!events.Select(e => e.At.ToDateTimeOffset()).SequenceEqual(events.Select(e => e.At.ToDateTimeOffset()).Order())
                || !events.Select(e => e.Sequence).SequenceEqual(Enumerable.Range(1, events.Count)))
            {
                problems.Add($"deployment {d.Id}: its events are out of order");
            }
        }

        var live = service.LiveColour == V1.Colour.Blue ? "blue" : "green";
        if (service.ActiveDeployment is not null || routes != $"{GatewayStage.RouteKey(Service)} {Service}_{live}")
        {
            problems.Add($"ended with active={service.ActiveDeployment?.Id}, live {live}, haproxy routes '{routes}'");
        }

        var refusedNaming = outcomes.Count(o => o.Code == StatusCode.FailedPrecondition && NamedDeployment().IsMatch(o.Detail));
        var aborts = outcomes.Count(o => o.Kind == "abort" && o.Code == StatusCode.OK);
        report.Record(new ReliabilityCase(
            "race: 2 × 100 concurrent release/promote/rollback/abort on one service",
            1,
            problems.Count == 0 && result.Failed == 0 ? 1 : 0,
            result.Sent,
            result.Failed,
            problems.Count == 0 ? "none" : string.Join("; ", problems.Take(3)),
            $"{started.Count} deployments started ({string.Join(", ", started.Select(o => $"#{o.Id} {o.Kind}"))}), never overlapping; {refusedNaming} commands refused FAILED_PRECONDITION naming the running deployment, {outcomes.Count - started.Count - aborts - refusedNaming} refused by state (nothing running), {aborts} aborts applied; 16 clients through haproxy"));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(0, result.Failed);
    }

    private async Task<List<Outcome>> BurstAsync(int wave)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, Commands).Select(i => Task.Run(async () =>
        {
            var (kind, rpc, request) = (i % 4) switch
            {
                0 => ("release", "/bluegreen.v1.Deployments/Release", (IMessage)new V1.ReleaseRequest { Service = Service, Version = $"w{wave}r{i}" }),
                1 => ("promote", "/bluegreen.v1.Deployments/Promote", new V1.PromoteRequest { Service = Service }),
                2 => ("rollback", "/bluegreen.v1.Deployments/Rollback", new V1.RollbackRequest { Service = Service }),
                _ => ("abort", "/bluegreen.v1.Deployments/Abort", new V1.AbortRequest { Service = Service }),
            };
            await go.Task;
            var sent = DateTimeOffset.UtcNow;
            var (code, detail, response) = await RpcCatalog.TryCallAsync(stage.Invoker, RpcCatalog.Find(rpc), request, GatewayStage.Admin);
            return new Outcome(wave * Commands + i, kind, code, detail, (response as V1.Deployment)?.Id, sent, DateTimeOffset.UtcNow);
        })).ToList();
        go.SetResult();
        return [.. await Task.WhenAll(calls)];
    }

    private async Task<List<V1.Deployment>> History() =>
        [.. (await stage.Deployments.ListDeploymentsAsync(new V1.ListDeploymentsRequest { Service = Service }, GatewayStage.Admin)).Deployments];
}
