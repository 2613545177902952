namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>The desired configuration of one HAProxy: what <see cref="HaProxyConfigRenderer"/> turns into haproxy.cfg.</summary>
public sealed record HaProxyConfig
{
    /// <summary>The proxy's id, written in a comment at the top of the file.</summary>
    public required string Name { get; init; }

    /// <summary>Where the HTTP frontend listens.</summary>
    public required ListenAddress Frontend { get; init; }

    /// <summary>The Runtime API: <c>tcp://host:port</c> or <c>unix:///path</c>; rendered at <c>level admin</c>.</summary>
    public required string RuntimeApi { get; init; }

    /// <summary>
    /// A unix group that may also use the Runtime API's unix socket (<c>mode 660 group …</c>), e.g. <c>haproxy</c> for a
    /// <c>bluegreen-agent</c> in that group; null: only HAProxy's own user (<c>mode 600</c>).
    /// </summary>
    public string? RuntimeApiGroup { get; init; }

    /// <summary>
    /// The user and group HAProxy's workers run as (<c>user</c>, <c>group</c> in <c>global</c>): started as root (Debian's
    /// unit), the master binds the listeners and sockets and reads the config and map files, and each worker, which
    /// parses every client's request, drops to these. Null: the workers keep the user that started HAProxy.
    /// </summary>
    public string? User { get; init; }

    /// <inheritdoc cref="User"/>
    public string? Group { get; init; }

    /// <summary>
    /// A folder HAProxy's workers are jailed in (<c>chroot</c> in <c>global</c>), e.g. Debian's empty
    /// <c>/var/lib/haproxy</c>: a worker taken over through a request sees nothing of the host's files. The master is not
    /// jailed: it reads the config and the map files (loaded before the jail) and re-executes on a reload. Null: none.
    /// </summary>
    public string? Chroot { get; init; }

    /// <summary>
    /// The master CLI (<c>tcp://ip:port</c> or <c>unix:///path</c>), or null for none. HAProxy takes it only on its command
    /// line (<c>-S</c>, see <see cref="HaProxyConfigRenderer.MasterSocketArgument"/>); the config says so in a comment. The
    /// drain reads old workers through it: after a reload they still carry requests to the old colour.
    /// </summary>
    public string? MasterApi { get; init; }

    /// <summary>The map file the frontend routes by (Host header → backend).</summary>
    public required string MapFile { get; init; }

    /// <summary>Where the stats page listens, if anywhere.</summary>
    public ListenAddress? StatsPage { get; init; }

    public IReadOnlyList<ServiceBackends> Services { get; init; } = [];

    public int MaxConnections { get; init; } = 4096;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ServerTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
