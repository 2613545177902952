using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Rules;
using BlueGreen.Orleans.Services;
using BlueGreen.Orleans.Testing;
using Grpc.Core;
using ProtoDuration = Google.Protobuf.WellKnownTypes.Duration;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// A spec's hooks through the three doors, as <see cref="RuleAgreementTests"/> does for names: the CLI's spec file and
/// local checks, the gateway's mapping and the grains' validator must all accept or refuse each value, and every
/// refusal is one line that names the field and never repeats a refused URL.
/// </summary>
public sealed class HookRuleAgreementTests
{
    private const string Good = "http://127.0.0.1:9000/hooks/before";

    private static readonly ColourSpec Colour = new() { Runtime = "process", Command = "/usr/bin/app", Instances = [new InstanceSlot("s1", "127.0.0.1", 3000)] };

    private static readonly ServiceSpec Spec = new()
    {
        Name = "web",
        RouteKey = "web.local",
        Proxies = ["edge-1"],
        Blue = Colour,
        Green = Colour with { Instances = [new InstanceSlot("s1", "127.0.0.1", 4000)] },
        HookSecret = "web",
    };

    public static TheoryData<string, string, bool> Values => new()
    {
        { "url", Good, true },
        { "url", "https://hooks.example.com/deploy?team=web", true },
        { "url", "http://[::1]:9000/x", true },
        { "url", "ftp://127.0.0.1/x", false },
        { "url", "file:///etc/passwd", false },
        { "url", "javascript:alert(1)", false },
        { "url", "/relative/path", false },
        { "url", "127.0.0.1:9000/x", false },
        { "url", "http://user:password@127.0.0.1/x", false },
        { "url", "http://token@127.0.0.1/x", false },
        { "url", "http://127.0.0.1\\@evil.example/x", false },
        { "url", "http://127.0.0.1/x\ny", false },
        { "url", "http://127.0.0.1/x\0", false },
        { "url", "http://127.0.0.1/a b", false },
        { "url", "http://127.0.0.1/x#fragment", false },
        { "url", "http://127.0.0.1/" + new string('a', HookRules.MaxUrlLength), false },
        { "url", string.Empty, false },
        { "event", "before_switch", true },
        { "event", "after_switch", true },
        { "event", "after_drain", true },
        { "event", "on_failure", true },
        { "event", "Before_Switch", false },
        { "event", "before_switch; x", false },
        { "event", "during", false },
        { "timeout", "5s", true },
        { "timeout", "30s", true },
        { "timeout", "100ms", true },
        { "timeout", "31s", false },
        { "timeout", "0s", false },
        { "retries", "0", true },
        { "retries", "5", true },
        { "retries", "6", false },
        { "retries", "-1", false },
        { "hook_secret", "web", true },
        { "hook_secret", "web-hooks.key_2", true },
        { "hook_secret", "../web", false },
        { "hook_secret", ".hidden", false },
        { "hook_secret", "a/b", false },
        { "hook_secret", "/etc/passwd", false },
        { "hook_secret", "web\n", false },
        { "hook_secret", new string('k', 65), false },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Hook_Value_CliGatewayAndGrainsAgree(string field, string value, bool valid)
    {
        var hook = new HookSpec { Event = HookRules.BeforeSwitch, Url = Good };
        var spec = field switch
        {
            "url" => Spec with { Hooks = [hook with { Url = value }] },
            "event" => Spec with { Hooks = [hook with { Event = value }] },
            "timeout" => Spec with { Hooks = [hook with { Timeout = Cli.Durations.Parse(value, "timeout") }] },
            "retries" => Spec with { Hooks = [hook with { Retries = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) }] },
            _ => Spec with { Hooks = [hook], HookSecret = value },
        };
        var refusals = new List<string>();
        var verdicts = new Dictionary<string, bool>
        {
            ["cli: spec file"] = Refusal<CliException>(refusals, () => SpecChecks.Check(SpecFile.Parse(Yaml(spec), json: false))),
            ["gateway: spec"] = Refusal<RpcException>(refusals, () => ProtoMapper.ToContract(Proto(spec))),
            ["grain: spec"] = Grain(refusals, spec),
        };

        var wrong = verdicts.Where(v => v.Value != valid).Select(v => $"{v.Key} {(v.Value ? "accepts" : "refuses")}").ToList();
        if (!valid)
        {
            AttackLog.Record(
                "CLI, gateway and grain: a spec's hooks",
                $"a spec's hook {field} '{Shown(value)}'",
                wrong.Count == 0 ? "refused at all three doors, one line naming the field" : $"{string.Join(", ", wrong)}",
                wrong.Count == 0);
        }

        Assert.True(wrong.Count == 0, $"{field} '{value.Replace("\n", "\\n", StringComparison.Ordinal)}' should be {(valid ? "accepted" : "refused")}, but {string.Join(", ", wrong)}");
        foreach (var refusal in refusals)
        {
            Assert.DoesNotContain('\n', refusal);
            Assert.DoesNotContain('\0', refusal);
            Assert.Contains(field == "hook_secret" ? "hook_secret" : field, refusal, StringComparison.Ordinal);
            if (field == "url" && value.Length > 0)
            {
                Assert.DoesNotContain(value, refusal, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Hooks_WithoutHookSecret_RefusedAtEveryDoor()
    {
        var spec = Spec with { Hooks = [new HookSpec { Event = HookRules.BeforeSwitch, Url = Good }], HookSecret = null };
        var refusals = new List<string>();

        Assert.False(Refusal<CliException>(refusals, () => SpecChecks.Check(SpecFile.Parse(Yaml(spec), json: false))));
        Assert.False(Grain(refusals, spec));
        Assert.All(refusals, r => Assert.Contains("hook_secret: required with hooks", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Hooks_NineHooks_RefusedAtEveryDoor()
    {
        var spec = Spec with { Hooks = [.. Enumerable.Repeat(new HookSpec { Event = HookRules.AfterSwitch, Url = Good }, HookRules.MaxHooks + 1)] };
        var refusals = new List<string>();

        Assert.False(Refusal<CliException>(refusals, () => SpecChecks.Check(SpecFile.Parse(Yaml(spec), json: false))));
        Assert.False(Refusal<RpcException>(refusals, () => ProtoMapper.ToContract(Proto(spec))));
        Assert.False(Grain(refusals, spec));
        Assert.All(refusals, r => Assert.Contains("at most 8", r, StringComparison.Ordinal));
    }

    [Fact]
    public void SpecFile_HooksUnset_DefaultTimeoutAndRetries()
    {
        var parsed = ProtoMapper.ToContract(SpecChecks.Check(SpecFile.Parse(Yaml(Spec with { Hooks = [new HookSpec { Event = HookRules.AfterDrain, Url = Good }] }, withDefaults: false), json: false)));

        var hook = Assert.Single(parsed.Hooks);
        Assert.Equal((HookRules.AfterDrain, Good, TimeSpan.FromSeconds(5), 2), (hook.Event, hook.Url, hook.Timeout, hook.Retries));
        Assert.Equal("web", parsed.HookSecret);
    }

    private static string Shown(string value) =>
        value.Length > 60 ? $"{value[..20]}… ({value.Length} characters)" : value.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);

    private static bool Refusal<TRefusal>(List<string> refusals, Action check)
        where TRefusal : Exception
    {
        try
        {
            check();
            return true;
        }
        catch (TRefusal e)
        {
            refusals.Add(e is RpcException rpc ? rpc.Status.Detail : e.Message);
            return false;
        }
    }

    private static bool Grain(List<string> refusals, ServiceSpec spec)
    {
        var errors = ServiceSpecValidator.Validate(spec);
        refusals.AddRange(errors);
        return errors.Count == 0;
    }

    /// <summary>The spec as a spec file would hold it, each value a quoted JSON string (valid YAML).</summary>
    private static string Yaml(ServiceSpec spec, bool withDefaults = true)
    {
        static string Q(string s) => System.Text.Json.JsonSerializer.Serialize(s);
        var hooks = string.Join(", ", spec.Hooks.Select(h => withDefaults
            ? $"{{ event: {Q(h.Event)}, url: {Q(h.Url)}, timeout: {Q(Ms(h.Timeout))}, retries: {Q(h.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture))} }}"
            : $"{{ event: {Q(h.Event)}, url: {Q(h.Url)} }}"));
        return $"""
            name: web
            route_key: web.local
            proxies: [edge-1]
            blue: {"{"} command: /usr/bin/app, instances: [{"{"} server: s1, address: 127.0.0.1, port: 3000 {"}"}] {"}"}
            green: {"{"} command: /usr/bin/app, instances: [{"{"} server: s1, address: 127.0.0.1, port: 4000 {"}"}] {"}"}
            {(spec.HookSecret is { } secret ? $"hook_secret: {Q(secret)}" : string.Empty)}
            hooks: [{hooks}]
            """;
    }

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + "ms";

    private static V1.ServiceSpec Proto(ServiceSpec spec)
    {
        var pb = ProtoMapper.ToProto(spec);
        pb.Hooks.Clear();
        pb.Hooks.AddRange(spec.Hooks.Select(h => new V1.Hook { Event = h.Event, Url = h.Url, Timeout = ProtoDuration.FromTimeSpan(h.Timeout), Retries = h.Retries }));
        return pb;
    }
}
