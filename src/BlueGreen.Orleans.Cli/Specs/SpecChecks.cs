using BlueGreen.Orleans.Rules;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli.Specs;

/// <summary>
/// The names and ids of a spec against <see cref="FieldRules"/>, the rules the gateway and the grains apply too: every
/// problem listed, exit 64, before anything is sent. What only the server can judge (runtimes, addresses, ports,
/// whether a proxy is registered) stays the server's.
/// </summary>
internal static class SpecChecks
{
    public static V1.ServiceSpec Check(V1.ServiceSpec spec)
    {
        var problems = new List<string>();
        Text(problems, "spec.name", spec.Name, FieldRules.ServiceName);
        Text(problems, "spec.route_key", spec.RouteKey, FieldRules.RouteKey);
        foreach (var proxy in spec.Proxies)
        {
            Text(problems, "spec.proxies", proxy, FieldRules.ProxyId);
        }

        if (spec.LiveVersion.Length > 0)
        {
            Text(problems, "spec.live_version", spec.LiveVersion, FieldRules.Version);
        }

        foreach (var (colour, name) in new[] { (spec.Blue, "blue"), (spec.Green, "green") })
        {
            foreach (var instance in colour?.Instances ?? [])
            {
                Text(problems, $"spec.{name}.instances.server", instance.Server, FieldRules.ServerName);
            }
        }

        if (spec.Hooks.Count > HookRules.MaxHooks)
        {
            problems.Add($"spec.hooks: at most {HookRules.MaxHooks}.");
        }

        for (var i = 0; i < spec.Hooks.Count && i < HookRules.MaxHooks; i++)
        {
            var hook = spec.Hooks[i];
            var timeout = hook.Timeout is { } t ? t.ToTimeSpan() : HookRules.DefaultTimeout;
            var retries = hook.HasRetries ? hook.Retries : HookRules.DefaultRetries;
            problems.AddRange(HookRules.Problems($"spec.hooks[{i}]", hook.Event, hook.Url, timeout, retries));
        }

        if (spec.HookSecret.Length > 0)
        {
            Text(problems, "spec.hook_secret", spec.HookSecret, HookRules.SecretName);
        }
        else if (spec.Hooks.Count > 0)
        {
            problems.Add("spec.hook_secret: required with hooks (the name of a file in the server's hook secrets folder).");
        }

        return problems.Count == 0 ? spec : throw new CliException(string.Join(" ", problems));
    }

    private static void Text(List<string> problems, string field, string value, TextRule rule)
    {
        if (!rule.IsValid(value))
        {
            problems.Add($"{field} '{Names.Printable(value)}': use {rule.Description}.");
        }
    }
}
