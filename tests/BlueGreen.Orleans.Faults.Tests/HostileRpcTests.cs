using BlueGreen.Orleans.Faults.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// Hostile values in every field of every RPC, against a real server and a real haproxy: every string, number and
/// duration field of every request message (found by walking the proto descriptors, nested messages, lists and maps
/// included) gets each hostile value on top of an otherwise valid request. Each must be refused with
/// INVALID_ARGUMENT naming the field (NOT_FOUND for a well-formed id that names nothing), and haproxy's maps and
/// servers (<c>show map</c>, <c>show servers state</c>, the map file) and the orchestrator's state must not change.
/// Free-text fields (a process's command line and environment, label values) may keep a value that is only odd, but
/// must keep it verbatim, and must still refuse control characters.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class HostileRpcTests(GatewayStage stage, ReliabilityReport report) : IClassFixture<GatewayStage>, IAsyncLifetime
{
    private const string Service = "web";
    private const string CaseName = "hostile input: every field of every RPC";

    /// <summary>Text handed to a process (argv, environment) or kept as a label: never reaches HAProxy.</summary>
    private static readonly string[] FreeText = [".command", ".arguments[]", ".environment{key}", ".environment{value}", "labels{value}", "SetMaintenance:message"];

    /// <summary>Optional fields: the empty string is proto3's "not set" and may be accepted as such.</summary>
    private static readonly string[] Optional = ["map_file_write_path", "master_api", "live_version", "hook_secret", ".image", ".docker_endpoint", ".runtime", ".command", ".arguments[]", ".environment{value}", "SetMaintenance:message"];

    public static TheoryData<string, string> Slots
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var method in RpcCatalog.Methods)
            {
                foreach (var slot in FieldSlot.Of(method.InputType))
                {
                    data.Add(RpcCatalog.PathOf(method), slot.Name);
                }
            }

            return data;
        }
    }

    public async Task InitializeAsync()
    {
        await stage.EnsureServiceAsync(Service);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Catalog_EveryRpcAndField_Enumerated()
    {
        // The walk must reach the deep fields too, or the theory above would quietly test less.
        var names = RpcCatalog.Methods.SelectMany(m => FieldSlot.Of(m.InputType).Select(s => $"{m.Name}:{s.Name}")).ToHashSet(StringComparer.Ordinal);

        Assert.True(RpcCatalog.Methods.Count >= 15, $"only {RpcCatalog.Methods.Count} RPCs found");
        Assert.Contains("ApplyService:spec.green.instances[0].address", names);
        Assert.Contains("ApplyService:spec.blue.environment{key}", names);
        Assert.Contains("ApplyService:spec.max_error_ratio", names);
        Assert.Contains("Release:options.verify_window", names);
        Assert.Contains("RegisterProxy:labels{value}", names);
        Assert.Contains("WatchDeployment:id", names);
        foreach (var method in RpcCatalog.Methods)
        {
            Assert.NotNull(RequestBaselines.For(method, stage, Service));
        }
    }

    [Theory]
    [MemberData(nameof(Slots))]
    public async Task Rpc_HostileValueInField_RefusedNamingItAndHaProxyUntouched(string rpc, string field)
    {
        var method = RpcCatalog.Find(rpc);
        var slot = FieldSlot.Of(method.InputType).Single(s => s.Name == field);
        var baseline = RequestBaselines.For(method, stage, Service);
        var valid = slot.Kind switch
        {
            SlotKind.MapKey => "hostile",
            SlotKind.MapValue => "v",
            _ => slot.Read(baseline) as string is { Length: > 0 } text ? text : "x",
        };
        var haproxyBefore = await stage.SnapshotAsync();
        var stateBefore = await stage.StateAsync();
        var outputBefore = stage.Server.Output.Length;

        // All values at once (the server must cope with that too), but one by one where a value may be accepted: its
        // reply is read back to check it was kept verbatim, and a concurrent update would change that reply.
        var values = HostileValues.For(slot, valid);
        async Task<(HostileValue Hostile, StatusCode Code, string? Problem)> TryAsync(HostileValue hostile)
        {
            var request = method.InputType.Parser.ParseFrom(baseline.ToByteString());
            slot.Write(request, hostile.Value);
            var (code, detail, response) = await RpcCatalog.TryCallAsync(stage.Invoker, method, request, GatewayStage.Admin);
            return (hostile, code, Judge(method.Name, slot, hostile, code, detail, response));
        }

        var answers = new List<(HostileValue Hostile, StatusCode Code, string? Problem)>();
        if (FreeText.Any(f => $"{method.Name}:{slot.Name}".EndsWith(f, StringComparison.Ordinal)))
        {
            foreach (var hostile in values)
            {
                answers.Add(await TryAsync(hostile));
            }
        }
        else
        {
            answers.AddRange(await Task.WhenAll(values.Select(TryAsync)));
        }

        var problems = answers.Where(a => a.Problem is not null).Select(a => $"{a.Hostile.Label}: {a.Problem}").ToList();
        if (answers.Any(a => a.Code == StatusCode.OK))
        {
            await RestoreAsync(method);
        }

        var haproxyAfter = await stage.SnapshotAsync();
        var stateAfter = await stage.StateAsync();
        var forged = stage.Server.Output[Math.Min(outputBefore, stage.Server.Output.Length)..]
            .Split('\n').Where(l => l.StartsWith("FORGED", StringComparison.Ordinal) || l.StartsWith("shutdown sessions", StringComparison.Ordinal)).ToList();
        var changed = new[] { haproxyAfter != haproxyBefore ? "haproxy" : null, stateAfter != stateBefore ? "orchestrator state" : null }.OfType<string>().ToList();
        report.Record(new ReliabilityCase(
            CaseName,
            values.Count,
            values.Count - problems.Count,
            0,
            0,
            changed.Count == 0 ? "none" : $"{rpc} {field} changed {string.Join(" and ", changed)}",
            $"{RpcCatalog.Methods.Count} RPCs found from the descriptors; each string, number and duration field of each request (nested, lists, maps): ; CR LF NUL \\ quotes spaces unicode empty 10 KB, out-of-range numbers and durations → INVALID_ARGUMENT naming the field (NOT_FOUND for well-formed unknown ids); haproxy show map / show servers state / map file and the orchestrator's state unchanged after each field"));

        Assert.True(problems.Count == 0, $"{rpc} {field}:\n{string.Join("\n", problems)}");
        Assert.Empty(forged);
        Assert.Equal(haproxyBefore, haproxyAfter);
        Assert.Equal(stateBefore, stateAfter);
    }

    [Fact]
    public async Task Rpc_UnknownServiceProxyOrDeployment_NotFound()
    {
        var haproxyBefore = await stage.SnapshotAsync();
        var problems = new List<string>();
        var tried = 0;
        foreach (var method in RpcCatalog.Methods)
        {
            if (method.Name is "RegisterProxy" or "ApplyService")
            {
                continue; // they create what they name
            }

            var request = RequestBaselines.For(method, stage, Service, deploymentId: 424_242);
            // A list of names (ListInstances' services) gets the unknown one added to the stage's.
            var slot = FieldSlot.Of(method.InputType).FirstOrDefault(s =>
                (s.Name is "service" or "name" or "id" && s.Kind == SlotKind.Text) || (s.Name == "services[]" && s.Kind == SlotKind.TextList));
            if (slot is null)
            {
                // The lists take nothing; any other RPC must name what it acts on, or be classified here.
                Assert.Empty(FieldSlot.Of(method.InputType));
                continue;
            }

            slot.Write(request, slot.Name == "id" ? "ghost-proxy" : "ghost");

            tried++;
            var (code, detail, _) = await RpcCatalog.TryCallAsync(stage.Invoker, method, request, GatewayStage.Admin);
            if (code != StatusCode.NotFound)
            {
                problems.Add($"{method.Name}: {code} {detail}");
            }
        }

        // The deployment id alone (the service exists).
        foreach (var method in RpcCatalog.Methods.Where(m => m.InputType.FindFieldByName("id") is { FieldType: Google.Protobuf.Reflection.FieldType.Int64 }))
        {
            tried++;
            var (code, detail, _) = await RpcCatalog.TryCallAsync(stage.Invoker, method, RequestBaselines.For(method, stage, Service, deploymentId: 424_242), GatewayStage.Admin);
            if (code != StatusCode.NotFound)
            {
                problems.Add($"{method.Name} unknown id: {code} {detail}");
            }
        }

        // A spec naming a proxy that is not registered.
        tried++;
        var spec = stage.Spec(Service);
        spec.Proxies.Add("ghost-proxy");
        var unknownProxy = await RpcCatalog.TryCallAsync(stage.Invoker, RpcCatalog.Find("/bluegreen.v1.Services/ApplyService"), new V1.ApplyServiceRequest { Spec = spec }, GatewayStage.Admin);
        if (unknownProxy.Code is not (StatusCode.InvalidArgument or StatusCode.NotFound) || !unknownProxy.Detail.Contains("ghost-proxy", StringComparison.Ordinal))
        {
            problems.Add($"ApplyService with an unknown proxy: {unknownProxy.Code} {unknownProxy.Detail}");
        }

        var haproxyAfter = await stage.SnapshotAsync();
        report.Record(new ReliabilityCase(
            "hostile input: unknown service, proxy or deployment",
            tried,
            tried - problems.Count,
            0,
            0,
            haproxyAfter == haproxyBefore ? "none" : "haproxy changed",
            "every RPC that names a service, proxy or deployment, with a well-formed name of nothing → NOT_FOUND; a spec naming an unregistered proxy → INVALID_ARGUMENT naming it"));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(haproxyBefore, haproxyAfter);
    }

    /// <summary>Null when the server did the right thing with this value; otherwise what it did wrong.</summary>
    private static string? Judge(string rpc, FieldSlot slot, HostileValue hostile, StatusCode code, string detail, IMessage? response)
    {
        // Qualified by the RPC, so a rule can name one RPC's field ("SetMaintenance:message").
        var qualified = $"{rpc}:{slot.Name}";
        var freeText = FreeText.Any(f => qualified.EndsWith(f, StringComparison.Ordinal));
        var optional = Optional.Any(f => qualified.EndsWith(f, StringComparison.Ordinal));
        switch (code)
        {
            case StatusCode.OK when hostile.Control:
                return "accepted a control character";
            case StatusCode.OK when hostile.Empty && optional:
                return null;
            case StatusCode.OK when freeText:
                return response is not null && (slot.Holds(response, hostile.Value) || (response is V1.Service { Maintenance: { } m } && m.Message == (string)hostile.Value))
                    ? null
                    : "accepted, but not kept verbatim";
            case StatusCode.OK:
                return "accepted";
            case StatusCode.InvalidArgument:
                var names = slot.Path.Select(f => f.Name).TakeLast(2).ToList();
                if (!names.Any(n => detail.Contains(n, StringComparison.Ordinal)))
                {
                    return $"INVALID_ARGUMENT without naming {string.Join(" or ", names)}: {Shown(detail)}";
                }

                if (detail.Length > 1024)
                {
                    return $"INVALID_ARGUMENT echoes {detail.Length} characters";
                }

                return detail.Any(char.IsControl) ? $"INVALID_ARGUMENT detail holds control characters: {Shown(detail)}" : null;
            case StatusCode.NotFound when hostile.WellFormedUnknown:
                return null;
            default:
                return $"{code}: {Shown(detail)}";
        }
    }

    private static string Shown(string text) =>
        new(text.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    /// <summary>Puts back what an accepted free-text value changed.</summary>
    private async Task RestoreAsync(Google.Protobuf.Reflection.MethodDescriptor method)
    {
        if (method.Name == "SetMaintenance")
        {
            await stage.Services.SetMaintenanceAsync(new V1.SetMaintenanceRequest { Name = Service, Enabled = false }, GatewayStage.Admin);
        }
        else if (method.Name is "ApplyService" or "RegisterProxy")
        {
            await RpcCatalog.CallAsync(stage.Invoker, method, RequestBaselines.For(method, stage, Service), GatewayStage.Admin);
        }
    }
}
