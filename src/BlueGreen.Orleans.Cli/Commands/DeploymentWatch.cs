using BlueGreen.Orleans.Cli.Output;
using Grpc.Core;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

/// <summary>Follows a deployment through WatchDeployment until it ends; the exit code says how it ended.</summary>
internal static class DeploymentWatch
{
    public static int Started(CliContext context, V1.Deployment started)
    {
        Render.Write(context, started, () => new Markup($"deployment [bold]{started.Id}[/] started\n"));
        return ExitCodes.Ok;
    }

    public static async Task<int> FollowAsync(CliContext context, string service, long id, CancellationToken cancellationToken)
    {
        var request = new V1.WatchDeploymentRequest { Service = service, Id = id };
        var events = new List<V1.DeploymentEvent>();
        V1.Deployment? last = null;
        if (context.Output == OutputFormat.Json)
        {
            await foreach (var update in UpdatesAsync(context, request, cancellationToken))
            {
                events.AddRange(update.Events);
                last = update.Deployment;
                if (HeldNow(last))
                {
                    break;
                }
            }
        }
        else if (!context.Console.Profile.Capabilities.Interactive)
        {
            // Logs and pipes: one line per event instead of redrawing a live view.
            await foreach (var update in UpdatesAsync(context, request, cancellationToken))
            {
                foreach (var e in update.Events)
                {
                    Render.Print(context.Console, Render.Event(e));
                    context.Console.WriteLine();
                }

                events.AddRange(update.Events);
                last = update.Deployment;
                if (HeldNow(last))
                {
                    break;
                }
            }

            if (last is not null)
            {
                Render.Print(context.Console, Render.Deployment(last, []));
            }
        }
        else
        {
            await context.Console.Live(new Markup($"deployment {id}: waiting for the first update…")).StartAsync(async live =>
            {
                await foreach (var update in UpdatesAsync(context, request, cancellationToken))
                {
                    events.AddRange(update.Events);
                    last = update.Deployment;
                    live.UpdateTarget(Render.Deployment(last, events));
                    live.Refresh();
                    if (HeldNow(last))
                    {
                        break;
                    }
                }
            });
        }

        if (last is null)
        {
            throw new CliException($"deployment {id}: the server sent no update.", ExitCodes.Unreachable);
        }

        last.Events.AddRange(events);
        Render.Write(context, last, () => new Markup(Render.Summary(last) + "\n"));
        if (HeldNow(last))
        {
            // Waiting for a person: following it further would block until somebody approves or aborts elsewhere.
            return ExitCodes.Ok;
        }

        return last.Outcome switch
        {
            V1.DeploymentOutcome.Succeeded => ExitCodes.Ok,
            V1.DeploymentOutcome.RolledBack => ExitCodes.RolledBack,
            _ => ExitCodes.Failed,
        };
    }

    /// <summary>Held for approval once the preview is live: what a held release's command returns at.</summary>
    private static bool HeldNow(V1.Deployment d) =>
        d.Step == V1.DeploymentStep.Held && d.Outcome == V1.DeploymentOutcome.Running && d.PreviewLive && d.ApprovedBy.Length == 0 && !d.AbortRequested;

    /// <summary>
    /// The stream's updates, watching again when the server ends a stream at its lifetime (Gateway:MaxWatchDuration,
    /// DEADLINE_EXCEEDED): each new stream starts from the first event, so events already passed on are skipped.
    /// </summary>
    private static async IAsyncEnumerable<V1.DeploymentUpdate> UpdatesAsync(CliContext context, V1.WatchDeploymentRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = 0;
        while (true)
        {
            using var call = context.Deployments.WatchDeployment(request, new CallOptions(context.Headers, cancellationToken: cancellationToken));
            var stream = call.ResponseStream.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await stream.MoveNextAsync())
                        {
                            yield break;
                        }
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    var update = stream.Current.Clone();
                    var fresh = update.Events.Where(e => e.Sequence > seen).ToList();
                    update.Events.Clear();
                    update.Events.AddRange(fresh);
                    seen = fresh.Count > 0 ? fresh[^1].Sequence : seen;
                    yield return update;
                }
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }
    }
}
