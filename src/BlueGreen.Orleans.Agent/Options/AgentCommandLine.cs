using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.HaProxy.Runtime;
using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Agent.Options;

/// <summary>
/// The agent's command line. Every value is checked here, before anything starts: a bad one ends the process with one
/// line per problem on stderr (a hostile value shown cut and with control characters as <c>?</c>, never raw) and
/// <see cref="Usage"/>, as the CLI does.
/// </summary>
internal static partial class AgentCommandLine
{
    /// <summary>The command line is wrong: nothing was started (the CLI's exit code for the same).</summary>
    public const int Usage = 64;

    public static readonly TimeSpan DefaultTick = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinTick = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxTick = TimeSpan.FromMinutes(1);

    /// <summary>A credential is a token: one line of printable ASCII; a file larger than this is not one.</summary>
    public const int MaxCredentialBytes = 4096;

    [GeneratedRegex(@"^(?<n>[0-9]{1,6})(?<unit>ms|s)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TickPattern();

    [GeneratedRegex(@"^[\x21-\x7E]{1,4096}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CredentialPattern();

    private static readonly Option<string> ProxyId = new("--proxy-id") { Description = "The proxy this agent stands beside (its credential is bound to it)", Required = true };
    private static readonly Option<string> Server = new("--server") { Description = "The gateway, https://host:port (http:// only to loopback)", Required = true };
    private static readonly Option<string> CredentialFile = new("--credential-file") { Description = "File holding this proxy's agent credential (one line, mode 600)", Required = true };
    private static readonly Option<string> RuntimeApi = new("--runtime-api") { Description = "HAProxy's Runtime API, a local unix socket at level admin: unix:///path", Required = true };
    private static readonly Option<string> MapFile = new("--map-file") { Description = "The map file HAProxy's config routes by (absolute path; the agent owns it)", Required = true };
    private static readonly Option<string> StateDir = new("--state-dir") { Description = "Folder for the agent's state (the last desired routes)", Required = true };
    private static readonly Option<string> Tick = new("--tick") { Description = "How often every backend is read: 50ms to 60s (default 1s)" };
    private static readonly Option<string> MasterApi = new("--master-api") { Description = "HAProxy's master CLI, optional: unix:///path (old workers' sessions in drain readings)" };
    private static readonly Option<string> CaFile = new("--ca-file") { Description = "For https://: trust only the CA certificate(s) in this PEM or DER file" };

    public static RootCommand Build()
    {
        var root = new RootCommand("bluegreen-agent: keeps one HAProxy on the routes the BlueGreen.Orleans server wants, through its local unix socket.");
        foreach (var option in new Option[] { ProxyId, Server, CredentialFile, RuntimeApi, MapFile, StateDir, Tick, MasterApi, CaFile })
        {
            root.Options.Add(option);
        }

        return root;
    }

    /// <summary>
    /// The options, or null with the exit code: 0 after --help or --version, <see cref="Usage"/> after one line per
    /// problem on <paramref name="error"/>.
    /// </summary>
    public static AgentOptions? Parse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count == 0 && parse.Action is not null)
        {
            // --help or --version: the parser's own action prints it.
            exitCode = parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }

        var problems = parse.Errors.Select(e => e.Message).ToList();
        AgentOptions? options = null;
        if (problems.Count == 0)
        {
            options = Validate(parse, problems);
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                error.WriteLine("bluegreen-agent: error: " + RuntimeArguments.Printable(problem.ReplaceLineEndings(" "), 300));
            }

            exitCode = Usage;
            return null;
        }

        exitCode = 0;
        return options;
    }

    private static AgentOptions? Validate(ParseResult parse, List<string> problems)
    {
        var proxyId = parse.GetValue(ProxyId)!;
        if (!FieldRules.ProxyId.IsValid(proxyId))
        {
            problems.Add($"--proxy-id '{Shown(proxyId)}' must be {FieldRules.ProxyId.Description}.");
        }

        var server = ParseServer(parse.GetValue(Server)!, problems);
        var runtimeApi = ParseUnix(parse.GetValue(RuntimeApi)!, "--runtime-api", problems);
        var masterApi = parse.GetValue(MasterApi) is { } master ? ParseUnix(master, "--master-api", problems) : null;

        var mapFile = parse.GetValue(MapFile)!;
        if (!RuntimeArguments.IsValidMap(mapFile) || mapFile.StartsWith('#'))
        {
            problems.Add($"--map-file '{Shown(mapFile)}' must be an absolute path of A-Z a-z 0-9 . _ / - (as HAProxy's config names it).");
        }
        else if (!Directory.Exists(Path.GetDirectoryName(mapFile)))
        {
            problems.Add($"--map-file '{Shown(mapFile)}': its folder does not exist.");
        }

        var stateDir = parse.GetValue(StateDir)!;
        if (!IsPlainAbsolutePath(stateDir))
        {
            problems.Add($"--state-dir '{Shown(stateDir)}' must be an absolute path without control characters.");
        }
        else if (!Directory.Exists(stateDir) && !Directory.Exists(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(stateDir))))
        {
            problems.Add($"--state-dir '{Shown(stateDir)}': neither it nor its parent folder exists.");
        }

        var tick = ParseTick(parse.GetValue(Tick), problems);
        var credentialFile = parse.GetValue(CredentialFile)!;
        CheckCredentialFile(credentialFile, problems);

        var caFile = parse.GetValue(CaFile);
        if (caFile is not null)
        {
            try
            {
                _ = CertificateAuthorities.Load(caFile);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add($"--ca-file '{Shown(caFile)}' is not a readable PEM or DER certificate.");
            }
        }

        return problems.Count > 0
            ? null
            : new AgentOptions
            {
                ProxyId = proxyId,
                Server = server!,
                CredentialFile = credentialFile,
                RuntimeApi = runtimeApi!,
                MapFile = mapFile,
                StateDirectory = stateDir,
                Tick = tick,
                MasterApi = masterApi,
                CaFile = caFile,
            };
    }

    /// <summary>Reads the credential: one line of printable ASCII (one trailing newline ignored). Throws <see cref="IOException"/> otherwise.</summary>
    public static string ReadCredential(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException("no such file.", path);
        }

        if (info.Length == 0 || info.Length > MaxCredentialBytes + 1)
        {
            throw new IOException("the credential file must hold one line of 1-4096 printable characters.");
        }

        var text = File.ReadAllText(path);
        text = text.EndsWith('\n') ? text[..^1] : text;
        return CredentialPattern().IsMatch(text) ? text : throw new IOException("the credential file must hold one line of 1-4096 printable characters.");
    }

    private static void CheckCredentialFile(string path, List<string> problems)
    {
        if (path.Length is 0 or > RuntimeArguments.MaxPathLength || path.Any(char.IsControl))
        {
            problems.Add($"--credential-file '{Shown(path)}' is not a file path.");
            return;
        }

        try
        {
            _ = ReadCredential(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The message never quotes the file's content.
            problems.Add($"--credential-file '{Shown(path)}' is unusable: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file." : e is UnauthorizedAccessException ? "not readable." : e.Message)}");
        }
    }

    private static Uri? ParseServer(string value, List<string> problems)
    {
        if (value.Any(char.IsControl) || value.Any(char.IsWhiteSpace)
            || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0
            || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0)
        {
            problems.Add($"--server '{Shown(value)}': use https://host:port.");
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            // The credential would cross the network readable by anyone on the path.
            problems.Add($"--server '{Shown(value)}' is cleartext http:// to a host that is not loopback: use https://.");
            return null;
        }

        return uri;
    }

    private static RuntimeEndpoint? ParseUnix(string value, string option, List<string> problems)
    {
        if (!value.StartsWith("unix://", StringComparison.Ordinal))
        {
            problems.Add($"{option} '{Shown(value)}' must be a local unix socket, unix:///path: the agent never reaches HAProxy over the network.");
            return null;
        }

        if (!RuntimeEndpoint.TryParse(value, out var endpoint, out _) || !IsPlainAbsolutePath(endpoint.SocketPath!))
        {
            problems.Add($"{option} '{Shown(value)}' is not a unix socket path: use unix:///absolute/path.");
            return null;
        }

        return endpoint;
    }

    private static TimeSpan ParseTick(string? value, List<string> problems)
    {
        if (value is null)
        {
            return DefaultTick;
        }

        var match = TickPattern().Match(value);
        if (!match.Success)
        {
            problems.Add($"--tick '{Shown(value)}' must be a duration in ms or s, e.g. 500ms or 2s.");
            return DefaultTick;
        }

        var n = int.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var tick = match.Groups["unit"].Value == "ms" ? TimeSpan.FromMilliseconds(n) : TimeSpan.FromSeconds(n);
        if (tick < MinTick || tick > MaxTick)
        {
            problems.Add($"--tick '{Shown(value)}' must be between 50ms and 60s.");
        }

        return tick;
    }

    private static bool IsPlainAbsolutePath(string path) =>
        path.Length is > 1 and <= RuntimeArguments.MaxPathLength && path.StartsWith('/') && !path.Any(char.IsControl);

    private static string Shown(string value) => RuntimeArguments.Printable(value);
}
