using System.Globalization;
using System.Net;
using System.Text;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>Renders haproxy.cfg from a <see cref="HaProxyConfig"/>: the recipe's map-routed frontend, done for many services.</summary>
public static class HaProxyConfigRenderer
{
    /// <summary>Renders the config; throws <see cref="ArgumentException"/> listing every problem when it is invalid.</summary>
    public static string Render(HaProxyConfig config)
    {
        var errors = HaProxyConfigValidator.Validate(config);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid HAProxy config:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(config));
        }

        var cfg = new StringBuilder();
        cfg.Append(CultureInfo.InvariantCulture, $"# Rendered by BlueGreen.Orleans for proxy {config.Name}.\n");
        cfg.Append(CultureInfo.InvariantCulture, $"# Routes live in {config.MapFile}; they change through the Runtime API, mirrored to that file.\n\n");

        if (MasterSocketArgument(config) is { } master)
        {
            // -S exists only on the command line: a reload leaves old workers that still carry requests to the old
            // colour, and only the master CLI can read them, so a drain waits for them.
            cfg.Append(CultureInfo.InvariantCulture, $"# Start with the master CLI the orchestrator reads old workers through: haproxy -W -S {master} -f <this file>\n\n");
        }

        cfg.Append("global\n");
        // A master process that keeps old workers visible (show proc) and reloads on SIGUSR2, also when started without -W.
        cfg.Append("    master-worker\n");
        if (config.User is { } user)
        {
            cfg.Append(CultureInfo.InvariantCulture, $"    user {user}\n");
        }

        if (config.Group is { } group)
        {
            cfg.Append(CultureInfo.InvariantCulture, $"    group {group}\n");
        }

        if (config.Chroot is { } jail)
        {
            cfg.Append(CultureInfo.InvariantCulture, $"    chroot {jail}\n");
        }

        cfg.Append(CultureInfo.InvariantCulture, $"    maxconn {config.MaxConnections}\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    stats socket {StatsSocket(config.RuntimeApi, config.RuntimeApiGroup)}\n");
        // The orchestrator keeps one CLI connection open for hours; the default 10 s idle timeout would cut it.
        cfg.Append("    stats timeout 1h\n\n");

        cfg.Append("defaults\n");
        cfg.Append("    mode http\n");
        cfg.Append("    option redispatch\n");
        // On a reload the old worker would close its idle keep-alive client connections at once, racing a client's next
        // request (a failed request for any client that does not resend); with this it answers that request with
        // "Connection: close" first, as HAProxy did before 2.4.
        cfg.Append("    option idle-close-on-response\n");
        // A few retries only: 'retries 1000' with 'retry-on all-retryable-errors' makes a retry storm on a stopped colour.
        cfg.Append("    retries 3\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    timeout connect {Ms(config.ConnectTimeout)}\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    timeout client {Ms(config.ClientTimeout)}\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    timeout server {Ms(config.ServerTimeout)}\n");
        cfg.Append("    timeout http-keep-alive 10s\n\n");

        cfg.Append("frontend http\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    bind {config.Frontend}\n");
        cfg.Append("    # The route key: the Host header without port, lower-cased. Looked up in the map; unknown hosts go to no_route.\n");
        cfg.Append("    # Kept in txn.route for the preview rules and the maintenance page, which read the map by it.\n");
        cfg.Append("    http-request set-var(txn.route) req.hdr(host),field(1,:),lower\n");
        // HAProxy runs every http-request rule before the first use_backend (and warns about one written after it), so
        // each part writes its rules here and its use_backend lines into routes, which follow in priority order.
        var routes = new StringBuilder();
        RenderPreview(cfg, routes, config.MapFile);
        RenderCanary(cfg, routes, config.MapFile);
        cfg.Append("    # The first use_backend that matches wins: a preview, then a canary's backend, then the live route.\n");
        cfg.Append(routes);
        cfg.Append(CultureInfo.InvariantCulture, $"    use_backend %[var(txn.route),map({config.MapFile},{BackendNames.NoRoute})]\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    default_backend {BackendNames.NoRoute}\n\n");

        if (config.StatsPage is { } stats)
        {
            cfg.Append("listen stats\n");
            cfg.Append(CultureInfo.InvariantCulture, $"    bind {stats}\n");
            cfg.Append("    stats enable\n");
            cfg.Append("    stats uri /\n");
            cfg.Append("    stats refresh 5s\n\n");
        }

        foreach (var service in config.Services)
        {
            foreach (var colour in Enum.GetValues<Colour>())
            {
                RenderBackend(cfg, service, colour);
            }
        }

        RenderMaintenance(cfg, config.MapFile);

        // Empty: say this config has the preview rules and the canary rules (see the MarkerBackend of each).
        cfg.Append(CultureInfo.InvariantCulture, $"backend {PreviewRoute.MarkerBackend}\n\n");
        cfg.Append(CultureInfo.InvariantCulture, $"backend {CanaryRoute.MarkerBackend}\n\n");
        cfg.Append(CultureInfo.InvariantCulture, $"backend {BackendNames.NoRoute}\n");
        cfg.Append("    http-request return status 404 content-type text/plain string \"no route for this host\"\n");
        return cfg.ToString();
    }

    private static void RenderBackend(StringBuilder cfg, ServiceBackends service, Colour colour)
    {
        var check = service.Check;
        cfg.Append(CultureInfo.InvariantCulture, $"backend {colour.Backend(service.Name)}\n");
        cfg.Append("    balance roundrobin\n");
        cfg.Append("    option httpchk\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    http-check send meth GET uri {check.Path}\n");
        cfg.Append("    http-check expect status 200\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    timeout check {Ms(check.Timeout)}\n");
        cfg.Append(CultureInfo.InvariantCulture,
            $"    default-server check inter {Ms(check.Interval)} fastinter {Ms(check.FastInterval)} downinter {Ms(check.DownInterval)} rise {check.Rise} fall {check.Fall}\n");
        foreach (var server in service.ServersOf(colour))
        {
            cfg.Append(CultureInfo.InvariantCulture, $"    server {server.Name} {new ListenAddress(server.Address, server.Port)}\n");
        }

        cfg.Append('\n');
    }

    /// <summary>
    /// A held release's preview (<see cref="PreviewRoute"/>), before the live route: the map's value under
    /// <c>/Preview/&lt;Host&gt;</c> is the target backend (<c>&lt;service&gt;_&lt;colour&gt;</c>) of the service whose route
    /// key the Host is; the request goes there only when its header or cookie plus <c>_blue</c> or <c>_green</c> is
    /// exactly that backend's name, i.e. names that same service. Any other request keeps the live route.
    /// </summary>
    private static void RenderPreview(StringBuilder cfg, StringBuilder routes, string mapFile)
    {
        cfg.Append(CultureInfo.InvariantCulture, $"    # Preview of a held release: {PreviewRoute.Header} or cookie {PreviewRoute.Cookie} naming the Host's service.\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    http-request set-var(txn.preview) str({PreviewRoute.KeyPrefix}),concat(,txn.route,),map({mapFile})\n");
        foreach (var fetch in new[] { $"req.hdr({PreviewRoute.Header.ToLowerInvariant()})", $"req.cook({PreviewRoute.Cookie})" })
        {
            foreach (var colour in Enum.GetValues<Colour>())
            {
                cfg.Append(CultureInfo.InvariantCulture, $"    acl preview_asked {fetch},concat(,,_{colour.Name()}),strcmp(txn.preview) eq 0\n");
            }
        }

        routes.Append("    use_backend %[var(txn.preview)] if preview_asked\n");
    }

    /// <summary>
    /// A canary release's weight split (<see cref="CanaryRoute"/>), after the preview and before the live route: the
    /// map's value under <c>/Canary/&lt;route key&gt;</c> is <c>&lt;weight&gt;:&lt;target backend&gt;</c>. A request whose
    /// cookie names exactly the target or the live backend stays there; any other request (no cookie, any other value)
    /// is drawn, to the target with probability weight/100, and gets the cookie naming the backend drawn. A preview
    /// request is never drawn; a route key without the entry meets no canary rule at all.
    /// </summary>
    private static void RenderCanary(StringBuilder cfg, StringBuilder routes, string mapFile)
    {
        const string found = "{ var(txn.canary) -m found }";
        var cookie = $"req.cook({CanaryRoute.Cookie})";
        cfg.Append(CultureInfo.InvariantCulture, $"    # Canary release: {CanaryRoute.KeyPrefix}<route key> holds <weight>:<target>. Without it txn.canary stays unset, so do the\n");
        cfg.Append("    # variables read from it (a failed fetch sets none), and no canary rule below applies.\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    http-request set-var(txn.canary) str({CanaryRoute.KeyPrefix}),concat(,txn.route,),map({mapFile})\n");
        cfg.Append("    http-request set-var(txn.canary_target) var(txn.canary),field(2,:)\n");
        cfg.Append("    http-request set-var(txn.canary_weight) var(txn.canary),field(1,:)\n");
        cfg.Append("    # The live route's backend: the draw's other outcome, and the other name a canary cookie may keep.\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    http-request set-var(txn.canary_live) var(txn.route),map({mapFile}) if {found}\n");
        cfg.Append("    # A cookie naming exactly the target or the live backend keeps the client there; any other value is ignored.\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    acl canary_kept_target {cookie},strcmp(txn.canary_target) eq 0\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    acl canary_kept_live {cookie},strcmp(txn.canary_live) eq 0\n");
        cfg.Append("    # Anyone else but a preview is drawn once: live, or the target when rand(100) < weight (weight % of them).\n");
        cfg.Append(CultureInfo.InvariantCulture, $"    http-request set-var(txn.canary_drawn) var(txn.canary_live) if {found} !canary_kept_target !canary_kept_live !preview_asked\n");
        cfg.Append("    http-request set-var(txn.canary_drawn) var(txn.canary_target) if { var(txn.canary_drawn) -m found } { rand(100),sub(txn.canary_weight) lt 0 }\n");
        cfg.Append("    # The drawn backend's name, never request text. after-response: on HAProxy's own replies too (the maintenance\n");
        cfg.Append("    # page), so a client is drawn once.\n");
        cfg.Append(CultureInfo.InvariantCulture,
            $"    http-after-response add-header Set-Cookie \"{CanaryRoute.Cookie}=%[var(txn.canary_drawn)]; Path=/; HttpOnly; SameSite=Lax\" if {{ var(txn.canary_drawn) -m found }}\n");
        routes.Append("    use_backend %[var(txn.canary_target)] if canary_kept_target\n");
        routes.Append("    use_backend %[var(txn.canary_drawn)] if { var(txn.canary_drawn) -m found }\n");
    }

    /// <summary>
    /// The backend the route key of every service in maintenance points at (<see cref="MaintenancePage"/>): 503 and a
    /// text/plain page whose message is read from the routes map at each request, under the key of the route the request
    /// came by (base64url there, decoded here), so changing it needs no reload. text/plain: the message is never markup,
    /// whatever it holds.
    /// </summary>
    private static void RenderMaintenance(StringBuilder cfg, string mapFile)
    {
        var message = $"%[str({MaintenancePage.MessageKeyPrefix}),concat(,txn.route,),map({mapFile},{MaintenancePage.Encode(MaintenancePage.DefaultMessage)}),ub64dec]";
        cfg.Append(CultureInfo.InvariantCulture, $"backend {MaintenancePage.Backend}\n");
        cfg.Append(CultureInfo.InvariantCulture,
            $"    http-request return status 503 content-type \"text/plain; charset=utf-8\" lf-string \"{message}\\n\" hdr Retry-After 60 hdr Cache-Control no-store\n\n");
    }

    /// <summary>
    /// The value of haproxy's <c>-S</c> option for <see cref="HaProxyConfig.MasterApi"/> (null when none): a unix socket
    /// readable by its owner only, or by the group of <see cref="HaProxyConfig.RuntimeApiGroup"/> too when there is one
    /// (the agent's user, beside HAProxy, reads old workers and holds a connection through it), or an IP address and port;
    /// at level user, since the orchestrator only reads through it (<c>show proc</c>, <c>@!pid show stat</c>), and at
    /// that level the master refuses <c>reload</c> and forwards no command that changes a worker.
    /// </summary>
    public static string? MasterSocketArgument(HaProxyConfig config) =>
        config.MasterApi is null ? null : MasterSocketArgument(RuntimeEndpoint.Parse(config.MasterApi), config.RuntimeApiGroup);

    /// <inheritdoc cref="MasterSocketArgument(HaProxyConfig)"/>
    public static string MasterSocketArgument(RuntimeEndpoint endpoint, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (group is not null && !HaProxyConfigValidator.IsGroupName(group))
        {
            // It goes onto haproxy's command line: only a name useradd would take.
            throw new ArgumentException($"'{group}' is not a group name: 1-32 characters of a-z 0-9 _ -, starting with a-z or _.", nameof(group));
        }

        if (endpoint.IsUnix)
        {
            return group is null ? $"{endpoint.SocketPath},mode,600,level,user" : $"{endpoint.SocketPath},mode,660,group,{group},level,user";
        }

        var ip = IPAddress.Parse(endpoint.Host!);
        var family = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
        return $"{family}@{endpoint.Host}:{endpoint.Port},level,user";
    }

    private static string StatsSocket(string runtimeApi, string? group)
    {
        var endpoint = RuntimeEndpoint.Parse(runtimeApi);
        if (endpoint.IsUnix)
        {
            // expose-fd listeners lets a reload hand the listening sockets over (seamless reload with -x).
            var access = group is null ? "mode 600" : $"mode 660 group {group}";
            return $"{endpoint.SocketPath} {access} level admin expose-fd listeners";
        }

        var ip = IPAddress.Parse(endpoint.Host!);
        var family = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
        return $"{family}@{endpoint.Host}:{endpoint.Port} level admin";
    }

    private static string Ms(TimeSpan value) => $"{(long)Math.Ceiling(value.TotalMilliseconds)}ms";
}
