using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using BlueGreen.Orleans.Harness;
using Xunit.Abstractions;

namespace BlueGreen.Orleans.HaProxy.Tests.Config;

/// <summary>
/// deploy/systemd/*.service, the way HAProxy hosts run the server and the agent: systemd's own checker accepts every line
/// of each unit, and its offline security review scores each no worse than when the unit was written.
/// </summary>
public sealed partial class SystemdUnitTests(ITestOutputHelper output)
{
    /// <summary>Debian's systemd package (scripts/test.sh requires it); the machine needs no systemd running.</summary>
    private const string Analyze = "/usr/bin/systemd-analyze";

    /// <summary>
    /// Each unit and the exposure <c>systemd-analyze security --offline=yes</c> gave it (systemd 252; 0 is best, 10 worst):
    /// what remains is the host's network and root directory, the JIT's writable code, TCP and unix sockets.
    /// </summary>
    public static TheoryData<string, decimal> Units => new()
    {
        { "bluegreen-server", 1.4m },
        { "bluegreen-agent", 1.6m },
    };

    public static TheoryData<string> UnitNames => ["bluegreen-server", "bluegreen-agent"];

    [Theory]
    [MemberData(nameof(UnitNames))]
    public async Task Unit_SystemdAnalyzeVerify_AcceptsEveryLine(string unit)
    {
        using var folder = new TempFolder("systemd");
        var path = await StageAsync(folder, unit);

        var (exit, stdout, stderr) = await AnalyzeAsync("verify", path);

        // verify exits 0 for an unknown key or an unparsable value too ("Unknown key 'X' in section [Service], ignoring"):
        // only its silence means every line was understood.
        Assert.True(exit == 0 && stderr.Length == 0 && stdout.Length == 0, $"systemd-analyze verify {unit}.service: exit {exit}\n{stdout}{stderr}");
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Unit_SystemdAnalyzeSecurity_ExposureAtMostMeasured(string unit, decimal maxExposure)
    {
        using var folder = new TempFolder("systemd");
        var path = await StageAsync(folder, unit);

        var (exit, stdout, stderr) = await AnalyzeAsync("security", "--offline=yes", "--no-pager", path);

        Assert.True(exit == 0, $"systemd-analyze security {unit}.service: exit {exit}\n{stdout}{stderr}");
        var match = Overall().Match(stdout);
        Assert.True(match.Success, $"no overall exposure level in:\n{stdout}{stderr}");
        var exposure = decimal.Parse(match.Groups["score"].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"{unit}.service: overall exposure {exposure.ToString("0.0", CultureInfo.InvariantCulture)} (at most {maxExposure.ToString("0.0", CultureInfo.InvariantCulture)})");
        Assert.True(exposure <= maxExposure, $"{unit}.service scores {exposure} with systemd-analyze security, worse than {maxExposure}:\n{stdout}");
    }

    [Theory]
    [MemberData(nameof(UnitNames))]
    public async Task Unit_MemoryDenyWriteExecute_OffForTheJit(string unit)
    {
        var text = await File.ReadAllTextAsync(UnitFile(unit));

        // The security score would improve with it on, and .NET would stop at start: its JIT executes memory it wrote.
        var settings = text.Split('\n').Where(line => line.StartsWith("MemoryDenyWriteExecute=", StringComparison.Ordinal));
        Assert.Equal(["MemoryDenyWriteExecute=no"], settings);
    }

    [Fact]
    public async Task ServerUnit_ConfigErrorAndLostClusterStore_NotRestarted()
    {
        var text = await File.ReadAllTextAsync(UnitFile("bluegreen-server"));

        // ServerExitCodes: 2 invalid settings, 3 the cluster store lost (a restarted silo refuses again at once).
        Assert.Contains("\nRestart=on-failure\n", text, StringComparison.Ordinal);
        Assert.Contains("\nRestartPreventExitStatus=2 3\n", text, StringComparison.Ordinal);
    }

    private static string UnitFile(string unit) => Path.Combine(Repository.Root, "deploy", "systemd", unit + ".service");

    /// <summary>
    /// The unit as committed, under its own name, with one change: ExecStart's program /opt/&lt;unit&gt;/&lt;unit&gt;
    /// (which verify requires to exist and be executable) moved into the test's folder, where it is a copy of /bin/true.
    /// </summary>
    private static async Task<string> StageAsync(TempFolder folder, string unit)
    {
        Assert.True(File.Exists(Analyze), $"{Analyze} is missing: install Debian's systemd package (scripts/test.sh requires it), then run the tests again.");
        var text = await File.ReadAllTextAsync(UnitFile(unit));
        var program = $"/opt/{unit}/{unit}";
        var execStart = $"\nExecStart={program} ";
        Assert.True(text.Split(execStart).Length == 2, $"{unit}.service should start {program} in exactly one ExecStart= line");

        var standIn = folder.File(program.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(standIn)!);
        // A copy keeps the executable bits.
        File.Copy("/bin/true", standIn);

        var path = folder.File(unit + ".service");
        await File.WriteAllTextAsync(path, text.Replace(execStart, $"\nExecStart={standIn} ", StringComparison.Ordinal));
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> AnalyzeAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Analyze, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        // No colours or pager in the text parsed here, and no user or system manager asked.
        start.Environment["SYSTEMD_COLORS"] = "0";
        start.Environment["SYSTEMD_PAGER"] = string.Empty;
        using var process = Process.Start(start)!;
        TrackedProcesses.Track(process);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            await TrackedProcesses.StopAsync(process);
        }
    }

    [GeneratedRegex(@"Overall exposure level for [\w.-]+\.service: (?<score>[0-9]+\.[0-9])\b", RegexOptions.CultureInvariant)]
    private static partial Regex Overall();
}
