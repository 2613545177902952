using BlueGreen.Orleans.Deployments;
using BlueGreen.Orleans.Grains.Deployments;
using BlueGreen.Orleans.Hooks;
using BlueGreen.Orleans.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Grains.Hooks;

/// <summary>
/// The grains' door to the hook adapter: a deployment's hooks of one event, called in parallel with the service's
/// secret, to the hosts the server allows; and what the server refuses in a spec's hooks, for the apply.
/// </summary>
internal sealed class HookCaller(IOptions<HookOptions> options, TimeProvider time, ILogger<HookSender> logger) : IDisposable
{
    private readonly HookSecrets _secrets = new(options.Value.SecretsFolder);
    private readonly HookSender _sender = new(time, logger, options.Value.RetryDelay);

    /// <summary>What this server's configuration refuses in the spec's hooks: a host it may not call, a secret it cannot read.</summary>
    public IReadOnlyList<string> Problems(ServiceSpec spec)
    {
        if (spec.Hooks.Count == 0)
        {
            return [];
        }

        var problems = new List<string>();
        for (var i = 0; i < spec.Hooks.Count; i++)
        {
            if (!options.Value.Allows(new Uri(spec.Hooks[i].Url, UriKind.Absolute)))
            {
                problems.Add($"hooks[{i}].url: its host is not one this server may call (BlueGreen:Hooks:AllowedHosts).");
            }
        }

        if (spec.HookSecret is not { } name)
        {
            problems.Add("hook_secret: required with hooks (the name of a file in the server's hook secrets folder).");
        }
        else if (_secrets.TryRead(name, out var problem) is null)
        {
            problems.Add($"hook_secret: {problem}.");
        }

        return problems;
    }

    public async Task<IReadOnlyList<HookCall>> CallAsync(ServiceSpec spec, string hookEvent, DeploymentRecord d, CancellationToken cancellationToken)
    {
        var hooks = spec.Hooks.Where(h => h.Event == hookEvent).ToList();
        if (hooks.Count == 0)
        {
            return [];
        }

        string? problem = "hook_secret is not set";
        var secret = spec.HookSecret is { } name ? _secrets.TryRead(name, out problem) : null;
        var payload = new HookPayload
        {
            Service = d.Service,
            DeploymentId = d.Id,
            Kind = d.Kind.ToString().ToLowerInvariant(),
            Event = hookEvent,
            FromColour = d.From.Name(),
            ToColour = d.Target.Name(),
            FromVersion = d.FromVersion,
            ToVersion = d.Version,
            Step = d.Step.ToString(),
            Actor = d.RequestedBy,
            Outcome = d.Outcome.ToString(),
            Error = d.Error,
            At = time.GetUtcNow(),
        };
        return await Task.WhenAll(hooks.Select(async hook =>
        {
            var url = new Uri(hook.Url, UriKind.Absolute);
            if (!options.Value.Allows(url))
            {
                // Checked at the apply too; again here, after a change of the server's configuration.
                return new HookCall(hookEvent, HookSender.Shown(url), null, "not called: its host is not in BlueGreen:Hooks:AllowedHosts", 0, TimeSpan.Zero);
            }

            if (secret is null)
            {
                // Unsigned is never sent: a receiver could not tell it from a forgery.
                return new HookCall(hookEvent, HookSender.Shown(url), null, $"not called: {problem}", 0, TimeSpan.Zero);
            }

            var delivery = await _sender.SendAsync(new HookRequest(url, hook.Timeout, hook.Retries, secret, payload), cancellationToken);
            return new HookCall(hookEvent, HookSender.Shown(url), delivery.StatusCode, delivery.Error, delivery.Attempts, delivery.Duration);
        }));
    }

    public void Dispose() => _sender.Dispose();
}
