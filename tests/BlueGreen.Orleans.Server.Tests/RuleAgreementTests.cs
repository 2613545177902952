using System.Collections.Immutable;
using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Gateway.Validation;
using BlueGreen.Orleans.Grains.Proxies;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Proxies;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
using Grpc.Core;
using ProtoDuration = Google.Protobuf.WellKnownTypes.Duration;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// One table of values through the three doors: the CLI's local checks, the gateway's edge validation and the grains'
/// validators, each by every path that takes the field (a proxy id is both a registration id and an entry of a spec's
/// proxies). All must say the same, and what the table says.
/// </summary>
public sealed class RuleAgreementTests
{
    private static readonly ColourSpec Colour = new() { Runtime = "process", Command = "/usr/bin/app", Instances = [new InstanceSlot("s1", "127.0.0.1", 3000)] };

    private static readonly ServiceSpec Spec = new()
    {
        Name = "web",
        RouteKey = "web.local",
        Proxies = ["edge-1"],
        Blue = Colour,
        Green = Colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", 4000)] },
    };

    private static readonly ProxyRegistration Registration = new() { RuntimeApi = "tcp://127.0.0.1:9999", MapFile = "/etc/haproxy/hosts.map" };

    public static TheoryData<string, string, bool> Values => new()
    {
        { "service", "web", true },
        { "service", "web-1", true },
        { "service", new string('a', 63), true },
        { "service", new string('a', 64), false },
        { "service", "Web", false },
        { "service", "-web", false },
        { "service", "web_1", false },
        { "service", "web.local", false },
        { "service", "web;x", false },
        { "service", "web\n", false },
        { "service", string.Empty, false },
        { "proxy", "edge-1", true },
        { "proxy", "edge:1.a_b", true },
        { "proxy", new string('p', 128), true },
        { "proxy", new string('p', 129), false },
        { "proxy", "edge/1", false },
        { "proxy", "edge 1", false },
        { "proxy", "edge;1", false },
        { "proxy", "édge", false },
        { "proxy", "edge\n", false },
        { "proxy", string.Empty, false },
        { "version", "2", true },
        { "version", "v1.2.3+build.7", true },
        { "version", new string('1', 128), true },
        { "version", new string('1', 129), false },
        { "version", "-1", false },
        { "version", "1 2", false },
        { "version", "1;2", false },
        { "version", "1/2", false },
        { "version", "2\n", false },
        { "route_key", "web.local", true },
        { "route_key", "web.local:8080", true },
        { "route_key", "example.com/shop", true },
        { "route_key", new string('r', 128), true },
        { "route_key", new string('r', 129), false },
        { "route_key", "web local", false },
        { "route_key", "x; del map", false },
        { "route_key", "x\\y", false },
        { "route_key", "web.local\n", false },
        { "route_key", string.Empty, false },
        { "server", "s1", true },
        { "server", "web-blue-0", true },
        { "server", "web_blue.0", true },
        { "server", new string('s', FieldRules.MaxServerNameLength), true },
        { "server", new string('s', FieldRules.MaxServerNameLength + 1), false },
        { "server", "s/1", false },
        { "server", "s:1", false },
        { "server", ".s1", false },
        { "server", "s 1", false },
        { "server", "s1\n", false },
        { "server", string.Empty, false },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Rule_Value_CliGatewayAndGrainsAgree(string kind, string value, bool valid)
    {
        var verdicts = kind switch
        {
            "service" => new Dictionary<string, bool>
            {
                ["cli: argument"] = Passes<CliException>(() => Names.CheckService(value)),
                ["cli: spec.name"] = Passes<CliException>(() => SpecChecks.Check(ProtoSpec(s => s.Name = value))),
                ["gateway: name"] = Passes<RpcException>(() => Fields.Service(value)),
                ["gateway: spec.name"] = Passes<RpcException>(() => ProtoMapper.ToContract(ProtoSpec(s => s.Name = value))),
                ["grain: spec"] = GrainAccepts(Spec with { Name = value }, "name"),
            },
            "proxy" => new Dictionary<string, bool>
            {
                ["cli: proxy add"] = Passes<CliException>(() => Names.CheckProxy(value)),
                ["cli: spec.proxies"] = Passes<CliException>(() => SpecChecks.Check(ProtoSpec(s => s.Proxies[0] = value))),
                ["gateway: id"] = Passes<RpcException>(() => Fields.Proxy(value)),
                ["gateway: spec.proxies"] = Passes<RpcException>(() => ProtoMapper.ToContract(ProtoSpec(s => s.Proxies[0] = value))),
                ["grain: registration"] = ProxyRegistrationValidator.Validate(value, Registration).Count == 0,
                ["grain: spec"] = GrainAccepts(Spec with { Proxies = [value] }, "proxies"),
            },
            "version" => new Dictionary<string, bool>
            {
                ["cli: --version"] = Passes<CliException>(() => Names.CheckVersion(value)),
                // An empty live_version is proto3's "not set", not a version: only the other paths judge "".
                ["cli: spec.live_version"] = value.Length == 0 ? valid : Passes<CliException>(() => SpecChecks.Check(ProtoSpec(s => s.LiveVersion = value))),
                ["gateway: version"] = Passes<RpcException>(() => Fields.VersionTag(value)),
                ["gateway: spec.live_version"] = value.Length == 0 ? valid : Passes<RpcException>(() => ProtoMapper.ToContract(ProtoSpec(s => s.LiveVersion = value))),
                ["grain: release"] = ServiceSpecValidator.IsValidVersion(value),
                ["grain: spec"] = GrainAccepts(Spec with { LiveVersion = value }, "live_version"),
            },
            "route_key" => new Dictionary<string, bool>
            {
                ["cli: spec.route_key"] = Passes<CliException>(() => SpecChecks.Check(ProtoSpec(s => s.RouteKey = value))),
                ["gateway: spec.route_key"] = Passes<RpcException>(() => ProtoMapper.ToContract(ProtoSpec(s => s.RouteKey = value))),
                ["grain: spec"] = GrainAccepts(Spec with { RouteKey = value }, "route_key"),
            },
            _ => new Dictionary<string, bool>
            {
                ["cli: spec.blue.instances.server"] = Passes<CliException>(() => SpecChecks.Check(ProtoSpec(s => s.Blue.Instances[0].Server = value))),
                ["gateway: spec.blue.instances.server"] = Passes<RpcException>(() => ProtoMapper.ToContract(ProtoSpec(s => s.Blue.Instances[0].Server = value))),
                ["grain: spec"] = GrainAccepts(Spec with { Blue = Colour with { Instances = [new InstanceSlot(value, "127.0.0.1", 3000)] } }, "blue.instances"),
            },
        };

        var wrong = verdicts.Where(v => v.Value != valid).Select(v => $"{v.Key} {(v.Value ? "accepts" : "refuses")}").ToList();
        Assert.True(wrong.Count == 0, $"{kind} '{value.Replace("\n", "\\n", StringComparison.Ordinal)}' should be {(valid ? "accepted" : "refused")}, but {string.Join(", ", wrong)}");
    }

    public static TheoryData<string, TimeSpan, bool> DurationValues => new()
    {
        { "health_timeout", TimeSpan.Zero, false },
        { "health_timeout", TimeSpan.FromMilliseconds(1), true },
        { "health_timeout", TimeSpan.FromHours(24), true },
        { "health_timeout", TimeSpan.FromHours(24) + TimeSpan.FromMilliseconds(1), false },
        { "stop_timeout", TimeSpan.Zero, false },
        { "stop_timeout", TimeSpan.FromSeconds(5), true },
        { "drain_timeout", TimeSpan.Zero, true },
        { "drain_timeout", TimeSpan.FromSeconds(-1), false },
        { "drain_timeout", TimeSpan.FromHours(24), true },
        { "drain_timeout", TimeSpan.FromHours(25), false },
        { "keep_warm", TimeSpan.Zero, true },
        { "keep_warm", TimeSpan.FromDays(2), false },
        { "verify_window", TimeSpan.Zero, true },
        { "verify_window", TimeSpan.FromMilliseconds(-1), false },
    };

    [Theory]
    [MemberData(nameof(DurationValues))]
    public void Rule_Duration_CliGatewayAndGrainsAgree(string field, TimeSpan value, bool valid)
    {
        var text = value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        var verdicts = new Dictionary<string, bool>
        {
            ["cli: spec file"] = Passes<CliException>(() => SpecFile.Parse($$"""{ "name": "web", "{{field}}": "{{text}}" }""", json: true)),
            ["gateway: spec"] = Passes<RpcException>(() => ProtoMapper.ToContract(ProtoSpec(s => Set(s, field, value)))),
            ["grain: spec"] = GrainAccepts(field switch
            {
                "health_timeout" => Spec with { HealthTimeout = value },
                "stop_timeout" => Spec with { StopTimeout = value },
                "drain_timeout" => Spec with { DrainTimeout = value },
                "keep_warm" => Spec with { KeepWarm = value },
                _ => Spec with { VerifyWindow = value },
            }, field),
        };
        if (field != "stop_timeout")
        {
            // release/promote/rollback take the same four as options: --health-timeout and options.health_timeout.
            var option = "--" + field.Replace('_', '-');
            verdicts["cli: " + option] = Passes<CliException>(() => Cli.Durations.Parse(text, option, field switch
            {
                "health_timeout" => FieldRules.HealthTimeout,
                "drain_timeout" => FieldRules.DrainTimeout,
                "keep_warm" => FieldRules.KeepWarm,
                _ => FieldRules.VerifyWindow,
            }));
            verdicts["gateway: options." + field] = Passes<RpcException>(() => ProtoMapper.ToContract(Options(field, value)));
        }

        var wrong = verdicts.Where(v => v.Value != valid).Select(v => $"{v.Key} {(v.Value ? "accepts" : "refuses")}").ToList();
        Assert.True(wrong.Count == 0, $"{field} {text} should be {(valid ? "accepted" : "refused")}, but {string.Join(", ", wrong)}");
    }

    private static bool Passes<TRefusal>(Action check)
        where TRefusal : Exception
    {
        try
        {
            check();
            return true;
        }
        catch (TRefusal)
        {
            return false;
        }
    }

    /// <summary>The grain validator accepts when it finds nothing wrong with <paramref name="field"/>; the rest of the spec is valid.</summary>
    private static bool GrainAccepts(ServiceSpec spec, string field)
    {
        var errors = ServiceSpecValidator.Validate(spec);
        Assert.All(errors, e => Assert.StartsWith(field, e, StringComparison.Ordinal));
        return errors.Count == 0;
    }

    private static V1.ServiceSpec ProtoSpec(Action<V1.ServiceSpec> change)
    {
        var spec = new V1.ServiceSpec { Name = "web", RouteKey = "web.local", Blue = ProtoColour(3000), Green = ProtoColour(4000) };
        spec.Proxies.Add("edge-1");
        change(spec);
        return spec;
    }

    private static V1.ColourSpec ProtoColour(int port)
    {
        var colour = new V1.ColourSpec { Runtime = "process", Command = "/usr/bin/app" };
        colour.Instances.Add(new V1.InstanceSlot { Server = "s1", Address = "127.0.0.1", Port = port });
        return colour;
    }

    private static void Set(V1.ServiceSpec spec, string field, TimeSpan value)
    {
        var duration = ProtoDuration.FromTimeSpan(value);
        _ = field switch
        {
            "health_timeout" => spec.HealthTimeout = duration,
            "stop_timeout" => spec.StopTimeout = duration,
            "drain_timeout" => spec.DrainTimeout = duration,
            "keep_warm" => spec.KeepWarm = duration,
            _ => spec.VerifyWindow = duration,
        };
    }

    private static V1.DeploymentOptions Options(string field, TimeSpan value)
    {
        var options = new V1.DeploymentOptions();
        var duration = ProtoDuration.FromTimeSpan(value);
        _ = field switch
        {
            "health_timeout" => options.HealthTimeout = duration,
            "drain_timeout" => options.DrainTimeout = duration,
            "keep_warm" => options.KeepWarm = duration,
            _ => options.VerifyWindow = duration,
        };
        return options;
    }
}
