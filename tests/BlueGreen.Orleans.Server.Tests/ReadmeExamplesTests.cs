using System.Diagnostics;
using BlueGreen.Orleans.Harness;
using BlueGreen.Orleans.Instances;

namespace BlueGreen.Orleans.Server.Tests;

/// <summary>
/// The README's examples outside the tour, run as printed against the installed commands: the TLS gateway, and adopting
/// a service that already runs. As the README's reader would, they run as a user who is not root: under root (CI) as
/// <c>nobody</c>, so that the server, its instances and the process started "before the orchestrator" share one user.
/// </summary>
[Collection(ReadmePorts.Name)]
public sealed class ReadmeExamplesTests(ReadmeExamplesTests.InstalledHome installed) : IClassFixture<ReadmeExamplesTests.InstalledHome>
{
    [Fact]
    public async Task Readme_TlsGateway_RunsAsPrinted()
    {
        var block = ReadmeScript.BlockWith(await ReadmeScript.ReadAsync(), "--Gateway:CertificatePath");
        var folder = Path.Combine(installed.Home, "bluegreen-tls");

        var (exit, transcript) = await ReadmeScript.RunAsync(
            block, installed.Home, installed.Home, installed.Reader, "readme-tls", () => [Path.Combine(folder, "server.pid")]);

        Assert.True(exit == 0, $"the TLS example stopped with exit code {exit}:\n{ReadmeScript.Tail(transcript)}");
        // proxy ls over https:// answered with its (empty) table: the CLI trusted exactly gateway.pem.
        Assert.Matches(@"│\s*proxy\s*│\s*runtime api\s*│", transcript);
    }

    [Fact]
    public async Task Readme_Adoption_RunsAsPrinted()
    {
        var readme = await ReadmeScript.ReadAsync();
        var tour = ReadmeTourTests.TourBlocks(readme);
        // What the adoption block says it follows: the tour's first block (spec, HAProxy, server) and the CLI's setup and
        // `proxy add` from its second, up to `service apply`; then the block; then the tour's stop block.
        var setup = tour.First(b => b.Contains("bluegreen-server", StringComparison.Ordinal) && !b.Contains("install.sh", StringComparison.Ordinal));
        var cli = tour.First(b => b.Contains("bluegreen proxy add", StringComparison.Ordinal));
        var untilApply = string.Join("\n", cli.Split('\n').TakeWhile(l => !l.StartsWith("bluegreen service apply", StringComparison.Ordinal)));
        var stop = tour[^1];
        var adoption = ReadmeScript.BlockWith(readme, "--adopt 1");
        var folder = Path.Combine(installed.Home, "bluegreen-tour");

        var (exit, transcript) = await ReadmeScript.RunAsync(
            string.Join("\n", setup, untilApply, adoption, stop), installed.Home, installed.Home, installed.Reader, "readme-adoption",
            () => ReadmeScript.TourPidFiles(folder));

        Assert.True(exit == 0, $"the adoption example stopped with exit code {exit}:\n{ReadmeScript.Tail(transcript)}");
        Assert.Contains("kill $(cat run/server.pid)", stop, StringComparison.Ordinal);
        // `bluegreen instances web`: blue v1 is the process the block started by hand, adopted and running.
        Assert.Matches(@"│\s*web\s*│\s*blue\s*│\s*1\s*│[^\n]*│\s*process\s*│\s*\d+\s*│\s*running\s*│", transcript);
    }

    /// <summary>A home folder with the commands installed by scripts/install.sh, owned by the reader.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which deletes the folder.")]
    public sealed class InstalledHome : IAsyncLifetime
    {
        private readonly TempFolder _home = new("readme-installed");

        public string Home => _home.Path;

        /// <summary>Null when the tests do not run as root; otherwise nobody.</summary>
        public UserAccount? Reader { get; } = Environment.IsPrivilegedProcess ? UserAccount.Find("nobody") : null;

        public async Task InitializeAsync()
        {
            Assert.True(!Environment.IsPrivilegedProcess || Reader is not null, "the tests run as root and this host has no user 'nobody' to run the README as");
            var start = new ProcessStartInfo("bash", ["scripts/install.sh", "--prefix", Path.Combine(Home, ".local")])
            {
                WorkingDirectory = Repository.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var install = Process.Start(start)!;
            TrackedProcesses.Track(install);
            var output = install.StandardOutput.ReadToEndAsync();
            var error = install.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await install.WaitForExitAsync(timeout.Token);
            TrackedProcesses.Untrack(install);
            Assert.True(install.ExitCode == 0, $"scripts/install.sh failed ({install.ExitCode}):\n{await output}\n{await error}");
        }

        public Task DisposeAsync()
        {
            _home.Dispose();
            return Task.CompletedTask;
        }
    }
}
