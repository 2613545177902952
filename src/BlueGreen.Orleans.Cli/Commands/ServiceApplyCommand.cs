using System.CommandLine;
using BlueGreen.Orleans.Cli.Output;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Rules;
using Grpc.Core;
using Spectre.Console;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Commands;

internal static class ServiceApplyCommand
{
    /// <summary>
    /// Applies in flight when many specs are given: the proxies batch what arrives together (one state write, one
    /// map-file write and one pipelined <c>set map</c> write per batch on each proxy), so a fleet is registered in a
    /// few batches per proxy instead of one write each.
    /// </summary>
    internal const int InFlight = 32;

    public static Command Create(CommandRunner runner)
    {
        var file = new Option<string[]>("--file", "-f")
        {
            Description = "A service spec (.yaml, .yml or .json), or a folder of them; repeat for more. Many specs are applied together.",
            Required = true,
        };
        var adopt = new Option<string?>("--adopt")
        {
            Description = "Blue already runs this version, started outside the orchestrator: take its instances over as live (first apply only; sets live_version; one spec only).",
        };
        var adoptServed = new Option<bool>("--adopt-served")
        {
            Description = "The proxies serve the colour that is not live in the service's record (a record restored from an older backup): record the served colour as live instead of refusing. No route changes. One spec only.",
        };
        var command = new Command("apply", "Create or update services from spec files.") { file, adopt, adoptServed };
        return runner.Handle(command, async (context, parse, cancellationToken) =>
        {
            var files = SpecSources.Expand(parse.GetValue(file)!);
            if (files.Count == 1)
            {
                var spec = SpecChecks.Check(SpecFile.Load(files[0]));
                if (parse.GetValue(adopt) is { } version)
                {
                    spec.LiveVersion = Names.Check(FieldRules.Version, version, "--adopt");
                }

                var service = await context.Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = spec, AdoptServed = parse.GetValue(adoptServed) }, context.Call(cancellationToken));
                Render.Write(context, service, () => Render.Services([service]));
                return ExitCodes.Ok;
            }

            if (parse.GetValue(adopt) is not null || parse.GetValue(adoptServed))
            {
                throw new CliException("--adopt and --adopt-served take one spec file: they say what one service's proxies or instances already do.");
            }

            return await ApplyManyAsync(context, LoadAll(files), cancellationToken);
        });
    }

    /// <summary>Every spec read and checked before anything is sent: one bad file applies none.</summary>
    private static List<(string File, V1.ServiceSpec Spec)> LoadAll(IReadOnlyList<string> files)
    {
        var specs = new List<(string File, V1.ServiceSpec Spec)>();
        foreach (var path in files)
        {
            try
            {
                specs.Add((path, SpecChecks.Check(SpecFile.Load(path))));
            }
            catch (CliException e)
            {
                throw new CliException($"{Names.Printable(path)}: {e.Message} Nothing was applied.", e.ExitCode);
            }
        }

        if (specs.GroupBy(s => s.Spec.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new CliException($"service '{twice.Key}' is specified by both {string.Join(" and ", twice.Select(s => $"'{Names.Printable(s.File)}'"))}. Nothing was applied.");
        }

        return specs;
    }

    /// <summary>
    /// Applies every spec, <see cref="InFlight"/> at a time; one that is refused does not stop the others. Prints the
    /// services applied, then one line per refusal; the exit code is the first refusal's (in file order), else 0.
    /// </summary>
    private static async Task<int> ApplyManyAsync(CliContext context, List<(string File, V1.ServiceSpec Spec)> specs, CancellationToken cancellationToken)
    {
        var results = new (V1.Service? Service, RpcException? Error)[specs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, specs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                try
                {
                    results[i] = (await context.Services.ApplyServiceAsync(new V1.ApplyServiceRequest { Spec = specs[i].Spec }, context.Call(token)), null);
                }
                catch (RpcException e) when (e.StatusCode != StatusCode.Unauthenticated && e.StatusCode != StatusCode.PermissionDenied)
                {
                    results[i] = (null, e);
                }
            });

        var applied = new V1.ListServicesResponse();
        applied.Services.AddRange(results.Select(r => r.Service).OfType<V1.Service>().OrderBy(s => s.Spec.Name, StringComparer.Ordinal));
        Render.Write(context, applied, () => Render.Services(applied.Services));
        var failed = specs.Zip(results).Where(p => p.Second.Error is not null).ToList();
        foreach (var ((path, spec), (_, error)) in failed)
        {
            context.Console.MarkupLine($"[red]error:[/] {Markup.Escape($"{Names.Printable(path)} (service '{spec.Name}'): {error!.StatusCode}: {error.Status.Detail}")}");
        }

        if (context.Output != OutputFormat.Json)
        {
            context.Console.MarkupLine(Markup.Escape($"{applied.Services.Count} of {specs.Count} services applied."));
        }

        return failed.Count == 0 ? ExitCodes.Ok : CommandRunner.ExitCodeOf(failed[0].Second.Error!.StatusCode);
    }
}
