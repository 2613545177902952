using BlueGreen.Orleans.Cli;
using BlueGreen.Orleans.Faults.Tests.Support;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Testing;
using Google.Protobuf;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests;

/// <summary>
/// The real <c>bluegreen</c> CLI with hostile values in each argument and option of each command (found by walking
/// the command tree, so a new command or option is covered) and in spec files, against a real server and haproxy:
/// each ends with a one-line error and the usage exit code (64), or the server's refusal (2) for the values only the
/// server checks; never an unhandled exception, never a control character or a 10 KB echo on the terminal; haproxy
/// and the orchestrator's state unchanged.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class HostileCliTests(GatewayStage stage, ReliabilityReport report) : IClassFixture<GatewayStage>, IAsyncLifetime, IDisposable
{
    private const string Service = "web";
        private readonly TempFolder _folder = new("cli-hostile");

    private static readonly string[] DurationOptions = ["--health-timeout", "--drain-timeout", "--keep-warm", "--verify-window", "--auto-approve-after", "--step-interval"];

    /// <summary>Options and arguments whose values only the server checks: its refusal (2) is a right answer too.</summary>
    private static readonly string[] ServerChecked = ["proxy add --runtime-api", "proxy add --map-file", "proxy add --map-file-write-path", "proxy add --master-api", "proxy add --label", "watch id"];

    private string SpecPath => _folder.File("web.json");

    public static TheoryData<string, string> Slots
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (path, command) in CliCommands.Leaves())
            {
                foreach (var argument in command.Arguments)
                {
                    data.Add(path, argument.Name);
                }

                foreach (var option in CliCommands.Settable(command))
                {
                    data.Add(path, option.Name);
                }
            }

            // The options every command takes, tried on one read-only command.
            data.Add("proxy ls", "--server");
            data.Add("proxy ls", "--token");
            data.Add("proxy ls", "--output");
            return data;
        }
    }

    public async Task InitializeAsync()
    {
        await stage.EnsureServiceAsync(Service);

        await File.WriteAllTextAsync(SpecPath, JsonFormatter.Default.Format(stage.Spec(Service)));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Slots))]
    public async Task Cli_HostileValueInArgument_ClearErrorAndHaProxyUntouched(string command, string symbol)
    {
        var haproxyBefore = await stage.SnapshotAsync();
        var stateBefore = await stage.StateAsync();
        var values = new CliValues(stage, Service, SpecPath);
        var valid = values.For(command, symbol);
        var hostiles = HostileValues.Strings(valid).Select(v => (v.Label, Value: (string)v.Value, v.Control)).ToList();
        if (DurationOptions.Contains(symbol))
        {
            hostiles.AddRange([("-5s", "-5s", false), ("25h", "25h", false), ("overflowing 99999999999999h", "99999999999999h", false), ("1e9s", "1e9s", false),
                ("TimeSpan.MaxValue", "10675199.02:48:05.4775807", false), ("-00:00:01", "-00:00:01", false)]);
        }

        if (symbol == "--canary")
        {
            hostiles.AddRange([("a zero weight", "0,50", false), ("falling weights", "50,10", false), ("an empty weight", "10,,100", false), ("over 100", "10,101", false),
                ("negative", "-10,50", false), ("100 alone", "100", false), ("eleven steps", "1,2,3,4,5,6,7,8,9,10,100", false), ("int overflow", "99999999999", false)]);
        }

        if (command == "watch" && symbol == "id")
        {
            hostiles.AddRange([("-1", "-1", false), ("0", "0", false), ("long overflow", "99999999999999999999", false), ("long.MaxValue", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), false)]);
        }

        var problems = new List<string>();
        foreach (var (label, value, control) in hostiles)
        {
            var (exit, output) = await CliRun.RunAsync(CliCommands.Arguments(values, command, ServerProcess.AdminToken, symbol, value));
            if (Judge(command, symbol, value, control, exit, output) is { } problem)
            {
                problems.Add($"{label}: {problem}");
            }

            if (exit == ExitCodes.Ok)
            {
                if (symbol == "--label" && await LabelOfNewProxyAsync() != value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..])
                {
                    problems.Add($"{label}: accepted, but the label was not kept verbatim");
                }

                await RestoreAsync(command);
            }
        }

        var haproxyAfter = await stage.SnapshotAsync();
        var stateAfter = await stage.StateAsync();
        report.Record(new ReliabilityCase(
            "hostile input: every CLI argument and option",
            hostiles.Count,
            hostiles.Count - problems.Count,
            0,
            0,
            haproxyAfter == haproxyBefore && stateAfter == stateBefore ? "none" : $"bluegreen {command} {symbol} changed haproxy or state",
            "each argument and option of each command (walked from the command tree): ; CR LF NUL \\ quotes spaces unicode empty 10 KB, bad durations and ids → one-line error, exit 64 (2 where only the server checks); no crash, no control character or long echo in the output; haproxy and state unchanged"));

        Assert.True(problems.Count == 0, $"bluegreen {command} {symbol}:\n{string.Join("\n", problems)}");
        Assert.Equal(haproxyBefore, haproxyAfter);
        Assert.Equal(stateBefore, stateAfter);
    }

    public static TheoryData<string, string, bool> SpecFiles => new()
    {
        { "health_timeout -5s", "health_timeout: -5s", false },
        { "drain_timeout 25h", "drain_timeout: 25h", false },
        { "keep_warm overflowing", "keep_warm: 99999999999999h", false },
        { "verify_window 1e9s", "verify_window: 1e9s", false },
        { "stop_timeout TimeSpan.MaxValue", "stop_timeout: \"10675199.02:48:05.4775807\"", false },
        { "name with LF", "name: \"web\\nshutdown sessions server web_blue/s1\"", false },
        { "route_key with ;", "route_key: \"web.local; disable server web_blue/s1\"", false },
        { "unknown colour", "purple: { command: dotnet, instances: [{ server: s1, address: 127.0.0.1, port: 1 }] }", false },
        { "unknown field", "colour: purple", false },
        { "port out of range", "blue: { command: dotnet, instances: [{ server: s1, address: 127.0.0.1, port: 70000 }] }", false },
        { "port not a number", "blue: { command: dotnet, instances: [{ server: s1, address: 127.0.0.1, port: \"80; x\" }] }", false },
        { "max_error_ratio NaN", "max_error_ratio: NaN", false },
        { "10 KB name", "name: " + new string('a', HostileValues.TenKilobytes), false },
        { "a key twice", "name: web\nname: web", true },
        { "json: a key twice", "{ \"name\": \"web\", \"name\": \"web\" }", true },
        { "json: 10000 nested arrays", new string('[', 10_000) + new string(']', 10_000), true },
        { "json: not an object", "[1, 2]", true },
        { "a list, not an object", "- web", true },
        { "empty file", string.Empty, true },
        { "not YAML", "\u0001\u0002{[\"", true },
    };

    [Theory]
    [MemberData(nameof(SpecFiles))]
    public async Task Cli_ServiceApplyHostileSpecFile_RefusedAndHaProxyUntouched(string label, string yaml, bool raw)
    {
        var haproxyBefore = await stage.SnapshotAsync();
        var stateBefore = await stage.StateAsync();
        var path = _folder.File(label.StartsWith("json", StringComparison.Ordinal) ? "hostile.json" : "hostile.yaml");
        var (blue, green) = stage.Ports[Service];
        var lines = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = $"name: {Service}",
            ["route_key"] = $"route_key: {GatewayStage.RouteKey(Service)}",
            ["proxies"] = $"proxies: [{GatewayStage.ProxyId}]",
            ["blue"] = $"blue: {{ command: {EchoInstance.Dotnet}, instances: [{{ server: s1, address: 127.0.0.1, port: {blue} }}] }}",
            ["green"] = $"green: {{ command: {EchoInstance.Dotnet}, instances: [{{ server: s1, address: 127.0.0.1, port: {green} }}] }}",
        };
        if (!raw)
        {
            // The hostile line replaces the valid line of its key: the spec is valid but for it.
            lines[yaml[..yaml.IndexOf(':', StringComparison.Ordinal)]] = yaml;
        }

        await File.WriteAllTextAsync(path, raw && label is not "a key twice" ? yaml : string.Join("\n", lines.Values) + "\n" + (raw ? yaml + "\n" : string.Empty));

        var (exit, output) = await CliRun.RunAsync(["service", "apply", "-f", path, .. stage.CliServer()]);

        var problem = exit is ExitCodes.Usage or ExitCodes.Refused ? Output(output) : $"exit {exit}: {Shown(output)}";
        var haproxyAfter = await stage.SnapshotAsync();
        var stateAfter = await stage.StateAsync();
        report.Record(new ReliabilityCase(
            "hostile input: spec files (service apply -f)",
            1,
            problem is null && haproxyAfter == haproxyBefore && stateAfter == stateBefore ? 1 : 0,
            0,
            0,
            haproxyAfter == haproxyBefore && stateAfter == stateBefore ? "none" : $"spec '{label}' changed haproxy or state",
            "bad, overflowing and negative durations, injection in names and route keys, unknown colours and fields, bad ports, NaN, a key twice, lists, empty, binary and 10 KB files → exit 64 (2 for what only the server checks); haproxy and state unchanged"));

        Assert.True(problem is null, $"{label}: {problem}");
        Assert.Equal(haproxyBefore, haproxyAfter);
        Assert.Equal(stateBefore, stateAfter);
    }

    /// <summary>Null when the CLI did the right thing; otherwise what it did wrong.</summary>
    private static string? Judge(string command, string symbol, string value, bool control, int exit, string output)
    {
        var slot = $"{command} {symbol}";
        if (output.Contains(ServerProcess.AdminToken, StringComparison.Ordinal))
        {
            return "the token is in the output";
        }

        var allowed = symbol switch
        {
            // A URL the CLI accepts either reaches the server (and only reads) or does not.
            "--server" => [ExitCodes.Usage, ExitCodes.Unreachable, ExitCodes.Ok],
            "--token" => [ExitCodes.Usage, ExitCodes.Unauthorized],
            // The output format parser takes " table" for table: a harmless normalization of a read-only choice.
            "--output" when value.Trim() == "table" => [ExitCodes.Usage, ExitCodes.Ok],
            // Label values are free text (printable, at most 256 characters), kept verbatim (checked by the caller).
            _ when slot == "proxy add --label" && !control => [ExitCodes.Usage, ExitCodes.Refused, ExitCodes.Ok],
            // A maintenance message is text with spaces, quotes and letters of any script (served as text/plain); only
            // what means something to a shell, HAProxy's CLI or HTML, control characters and length are refused.
            _ when slot == "maintenance on --message" && !control => [ExitCodes.Usage, ExitCodes.Ok],
            // Empty means "not set" for the optional write path and master CLI. Without a write path the new proxy would
            // write its --map-file, which the stage's proxy already writes: refused (AlreadyExists).
            _ when slot is "proxy add --map-file-write-path" && value.Length == 0 => [ExitCodes.Refused],
            _ when slot is "proxy add --master-api" && value.Length == 0 => [ExitCodes.Ok],
            _ when ServerChecked.Contains(slot) => [ExitCodes.Usage, ExitCodes.Refused],
            _ => new[] { ExitCodes.Usage },
        };
        if (!allowed.Contains(exit))
        {
            return $"exit {exit} (expected {string.Join(" or ", allowed)}): {Shown(output)}";
        }

        return exit == ExitCodes.Ok ? null : Output(output);
    }

    /// <summary>A refusal prints one short, printable error.</summary>
    private static string? Output(string output)
    {
        if (!output.Contains("error:", StringComparison.Ordinal))
        {
            return $"no 'error:' line: {Shown(output)}";
        }

        if (output.Length > 2048)
        {
            return $"{output.Length} characters of output (a long value echoed?)";
        }

        return output.Any(c => char.IsControl(c) && c != '\n') ? $"control characters in the output: {Shown(output)}" : null;
    }

    private static string Shown(string text) =>
        new(text.Take(300).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private async Task<string?> LabelOfNewProxyAsync()
    {
        var proxy = await stage.Proxies.GetProxyAsync(new V1.GetProxyRequest { Id = CliCommands.NewProxy }, GatewayStage.Admin);
        return proxy.Labels.TryGetValue("team", out var value) ? value : null;
    }

    private async Task RestoreAsync(string command)
    {
        if (command == "maintenance on")
        {
            await stage.Services.SetMaintenanceAsync(new V1.SetMaintenanceRequest { Name = Service, Enabled = false }, GatewayStage.Admin);
            return;
        }

        try
        {
            await stage.Proxies.RemoveProxyAsync(new V1.RemoveProxyRequest { Id = CliCommands.NewProxy }, GatewayStage.Admin);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }
}
