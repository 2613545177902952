using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Cli.Specs;
using BlueGreen.Orleans.Gateway.Mapping;
using BlueGreen.Orleans.Grains.Services;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Hooks;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The README's Hooks section as printed: its spec passes the CLI, the gateway and the grain validator; its request is
/// byte for byte what the sender sends for that payload, signed as it says; its bash <c>verify</c> function accepts a
/// fresh signed body and refuses a changed one and an old one.
/// </summary>
public sealed partial class ReadmeHooksTests
{
    /// <summary>A field of the README's body that the payload does not have is an error, not ignored.</summary>
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static async Task<string> SectionAsync()
    {
        var readme = await ReadmeScript.ReadAsync();
        var start = readme.IndexOf("\n### Hooks\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '### Hooks' section");
        var end = readme.IndexOf("\n### ", start + 5, StringComparison.Ordinal);
        return readme[start..end];
    }

    private static string Block(string section, string language) =>
        Assert.Single(FencedBlock().Matches(section), m => m.Groups[1].Value == language && (language != "bash" || m.Groups[2].Value.Contains("verify()", StringComparison.Ordinal))).Groups[2].Value;

    [Fact]
    public async Task Readme_HooksSpec_AcceptedByTheCliTheGatewayAndTheGrain()
    {
        var yaml = Block(await SectionAsync(), "yaml");

        var spec = ProtoMapper.ToContract(SpecChecks.Check(SpecFile.Parse(yaml, json: false)));

        Assert.Empty(ServiceSpecValidator.Validate(spec));
        Assert.Equal("web", spec.HookSecret);
        Assert.Equal(["before_switch", "after_switch", "on_failure"], spec.Hooks.Select(h => h.Event));
        Assert.Equal((TimeSpan.FromSeconds(10), 3), (spec.Hooks[0].Timeout, spec.Hooks[0].Retries));
        Assert.Equal((TimeSpan.FromSeconds(5), 2), (spec.Hooks[1].Timeout, spec.Hooks[1].Retries));
    }

    [Fact]
    public async Task Readme_HookRequest_IsWhatTheSenderSendsSignedAsPrinted()
    {
        var section = await SectionAsync();
        var key = Encoding.UTF8.GetBytes(PrintedKey().Match(section).Groups[1].Value);
        var request = Block(section, "http").Replace("\r", string.Empty, StringComparison.Ordinal);
        var parts = request.Split("\n\n", 2);
        var headers = parts[0].Split('\n').Skip(1).Select(l => l.Split(": ", 2)).ToDictionary(h => h[0], h => h[1], StringComparer.Ordinal);
        var body = Encoding.UTF8.GetBytes(parts[1].TrimEnd('\n'));

        var payload = JsonSerializer.Deserialize<HookPayload>(body, Strict)!;

        Assert.Equal(Encoding.UTF8.GetString(body), Encoding.UTF8.GetString(HookSender.Serialize(payload)));
        Assert.Equal(payload.Event, headers["X-BlueGreen-Event"]);
        Assert.Equal(HookSignature.Sign(key, headers["X-BlueGreen-Timestamp"], body), headers["X-BlueGreen-Signature"]);
        Assert.Equal(payload.At.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), headers["X-BlueGreen-Timestamp"]);
    }

    [Fact]
    public async Task Readme_VerifyFunction_AcceptsAFreshSignedBodyRefusesAChangedOrOldOne()
    {
        var function = Block(await SectionAsync(), "bash");
        using var folder = new TempFolder("readme-hooks");
        var key = "0123456789abcdef0123456789abcdef";
        await File.WriteAllTextAsync(folder.File("key"), key + "\n");
        const string body = """{"service":"web","deploymentId":1,"event":"after_switch"}""";
        await File.WriteAllTextAsync(folder.File("body.json"), body);
        await File.WriteAllTextAsync(folder.File("changed.json"), body.Replace("1", "2", StringComparison.Ordinal));
        var now = HookSignature.Timestamp(DateTimeOffset.UtcNow);
        var old = HookSignature.Timestamp(DateTimeOffset.UtcNow.AddMinutes(-10));
        var keyBytes = Encoding.UTF8.GetBytes(key);

        Assert.Equal(0, await RunAsync(folder, function, now, HookSignature.Sign(keyBytes, now, Encoding.UTF8.GetBytes(body)), "body.json"));
        Assert.Equal(1, await RunAsync(folder, function, now, HookSignature.Sign(keyBytes, now, Encoding.UTF8.GetBytes(body)), "changed.json"));
        Assert.Equal(1, await RunAsync(folder, function, old, HookSignature.Sign(keyBytes, old, Encoding.UTF8.GetBytes(body)), "body.json"));
    }

    private static async Task<int> RunAsync(TempFolder folder, string function, string timestamp, string signature, string bodyFile)
    {
        var start = new ProcessStartInfo("bash", ["-c", function + $"\nverify {timestamp} {signature} {bodyFile} key", "readme-verify"])
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var bash = Process.Start(start)!;
        TrackedProcesses.Track(bash);
        var error = bash.StandardError.ReadToEndAsync();
        await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        TrackedProcesses.Untrack(bash);
        Assert.True(await error is "", $"verify wrote to stderr: {await error}");
        return bash.ExitCode;
    }

    [GeneratedRegex("```([a-z]+)\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex("with the key `([0-9a-f]+)`")]
    private static partial Regex PrintedKey();
}
