using System.Diagnostics;
using System.Globalization;
using System.Net;
using BlueGreen.Orleans.Instances.Tests.Support;
using BlueGreen.Orleans.Harness;

namespace BlueGreen.Orleans.Instances.Tests;

/// <summary>Real processes (busybox httpd, sh) on 127.0.0.1; each test kills whatever it started by PID at the end.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit calls IAsyncLifetime.DisposeAsync, which disposes the folder.")]
public sealed class ProcessInstanceRuntimeTests : IAsyncLifetime
{
    private const string Busybox = "/bin/busybox";

    private readonly TempFolder _folder = new("bgp");
    private readonly StartedProcesses _started = new();
    private readonly List<ProcessInstanceRuntime> _runtimes = [];
    private readonly ProcessInstanceRuntime _runtime;

    public ProcessInstanceRuntimeTests() => _runtime = NewRuntime();

    private string StateDirectory => Path.Combine(_folder.Path, "state");

    private string WebRoot => Path.Combine(_folder.Path, "www");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WebRoot);
        await File.WriteAllTextAsync(Path.Combine(WebRoot, "index.html"), "hello from a process instance\n");
    }

    public async Task DisposeAsync()
    {
        await _started.KillAllAsync();
        foreach (var runtime in _runtimes)
        {
            runtime.Dispose();
        }

        _folder.Dispose();
    }

    [Fact]
    public async Task StartAsync_BusyboxHttpd_AnswersOnLoopbackPort()
    {
        var port = Loopback.FreePort();

        var state = await StartAsync(Httpd("web-green-0", port));

        Assert.True(state.Running);
        var (status, body) = await LoopbackHttp.GetEventuallyAsync(port);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("hello from a process instance\n", body);
    }

    [Fact]
    public async Task InspectAsync_RunningInstance_ReportsRunningWithItsPid()
    {
        var port = Loopback.FreePort();
        var started = await StartAsync(Httpd("web-green-0", port));

        var state = await _runtime.InspectAsync("web-green-0");

        Assert.NotNull(state);
        Assert.True(state.Running);
        Assert.Equal(started.Id, state.Id);
        Assert.NotNull(state.StartedAt);
        Assert.Null(state.ExitCode);
        // The recorded pid is busybox httpd itself: the launcher shell exec'd into it.
        Assert.Equal($"{Busybox} httpd -f -p 127.0.0.1:{port} -h {WebRoot}", ProcessTable.CommandLine(Pid(state)));
    }

    [Fact]
    public async Task StopAsync_FromNewRuntimeOverSameStateFolder_FindsAndStopsInstance()
    {
        var port = Loopback.FreePort();
        var started = await StartAsync(Httpd("web-green-0", port));
        await LoopbackHttp.GetEventuallyAsync(port);

        // An orchestrator that crashed and restarted: a fresh object that only knows the state folder.
        var restarted = NewRuntime();
        var found = await restarted.InspectAsync("web-green-0");
        Assert.NotNull(found);
        Assert.True(found.Running);
        Assert.Equal(started.Id, found.Id);

        await restarted.StopAsync("web-green-0", TimeSpan.FromSeconds(5));

        Assert.True(await LoopbackHttp.IsClosedAsync(port));
        Assert.False(ProcessTable.IsAlive(Pid(started)));
        Assert.False((await restarted.InspectAsync("web-green-0"))!.Running);
        Assert.False((await _runtime.InspectAsync("web-green-0"))!.Running);
    }

    [Fact]
    public async Task StartAsync_AfterAnOrchestratorKilledMidStart_StopsTheInstanceItNeverRecorded()
    {
        var port = Loopback.FreePort();
        var name = "web-blue-s1";
        await StartAsync(Httpd(name, port));
        await _runtime.StopAsync(name, TimeSpan.FromSeconds(5));
        var stoppedRecord = await File.ReadAllTextAsync(_runtime.PidPath(name));
        var unrecorded = await StartAsync(Httpd(name, port));
        await LoopbackHttp.GetEventuallyAsync(port);

        // What a kill -9 between the launcher's exec and the pid file's write leaves: the pid file still describes the
        // stopped instance, and only the launcher's own launch file knows the running one.
        await File.WriteAllTextAsync(_runtime.PidPath(name), stoppedRecord);
        await File.WriteAllTextAsync(_runtime.LaunchPath(name), $"{Pid(unrecorded)}\n");
        var restarted = NewRuntime();
        var state = await restarted.StartAsync(Httpd(name, port));
        _started.Add(Pid(state));

        Assert.False(ProcessTable.IsAlive(Pid(unrecorded)));
        Assert.True((await restarted.InspectAsync(name))!.Running);
        Assert.Equal([Pid(state)], ProcessTable.WithCommandLine($"-p 127.0.0.1:{port} "));
        Assert.False(File.Exists(_runtime.LaunchPath(name)));
    }

    [Fact]
    public async Task StartAsync_LaunchFileNamesAProcessOfSomebodyElse_LeavesItAlone()
    {
        var port = Loopback.FreePort();
        var name = "web-blue-s1";
        using var foreign = Process.Start(new ProcessStartInfo(Busybox) { ArgumentList = { "sleep", "30" } })!;
        _started.Add(foreign.Id);
        Directory.CreateDirectory(StateDirectory);
        // A reused pid, or a file written by hand: its environment does not name this instance's pid file.
        await File.WriteAllTextAsync(_runtime.LaunchPath(name), $"{foreign.Id}\n");

        var state = await StartAsync(Httpd(name, port));

        Assert.True(state.Running);
        Assert.True(ProcessTable.IsAlive(foreign.Id));
        Assert.False(File.Exists(_runtime.LaunchPath(name)));
    }

    [Fact]
    public async Task StartAsync_EmptyPidFile_StartsTheInstance()
    {
        var port = Loopback.FreePort();
        var name = "web-blue-s1";
        Directory.CreateDirectory(StateDirectory);
        // What a power loss can leave of a pid file that was renamed into place before its data reached the disk.
        await File.WriteAllTextAsync(_runtime.PidPath(name), string.Empty);

        Assert.Null(await _runtime.InspectAsync(name));
        var state = await StartAsync(Httpd(name, port));

        Assert.True(state.Running);
        Assert.True((await _runtime.InspectAsync(name))!.Running);
        Assert.Equal(HttpStatusCode.OK, (await LoopbackHttp.GetEventuallyAsync(port)).Status);
    }

    [Fact]
    public async Task StopAsync_RunningInstance_ClosesPortAndReportsStoppedWithExitCode()
    {
        var port = Loopback.FreePort();
        var started = await StartAsync(Httpd("web-green-0", port));
        await LoopbackHttp.GetEventuallyAsync(port);

        await _runtime.StopAsync("web-green-0", TimeSpan.FromSeconds(5));

        Assert.True(await LoopbackHttp.IsClosedAsync(port));
        Assert.False(ProcessTable.IsAlive(Pid(started)));
        var state = await _runtime.InspectAsync("web-green-0");
        Assert.NotNull(state);
        Assert.False(state.Running);
        Assert.Equal(started.Id, state.Id);
        // 128 + SIGTERM: it died of the SIGTERM, no SIGKILL was needed.
        Assert.Equal(143, state.ExitCode);
    }

    [Fact]
    public async Task StartAsync_SameNameTwice_LeavesOnlyTheSecondProcess()
    {
        var port = Loopback.FreePort();
        var first = await StartAsync(Httpd("web-green-0", port));
        await LoopbackHttp.GetEventuallyAsync(port);

        // Same port: the second httpd can only bind because the first was stopped before it started.
        var second = await StartAsync(Httpd("web-green-0", port));

        Assert.NotEqual(first.Id, second.Id);
        Assert.False(ProcessTable.IsAlive(Pid(first)));
        var (status, _) = await LoopbackHttp.GetEventuallyAsync(port);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([Pid(second)], ProcessTable.WithCommandLine($"-p 127.0.0.1:{port} "));
    }

    [Fact]
    public async Task StopAsync_ProcessIgnoringSigterm_KilledWithItsChildrenAfterTimeout()
    {
        // sh and its sleep child both ignore SIGTERM (an ignored signal stays ignored across fork and exec).
        var state = await StartAsync(new InstanceSpec
        {
            Name = "stubborn",
            Command = "/bin/sh",
            Arguments = ["-c", "trap '' TERM; echo ready; sleep 60; echo unreachable"],
        });
        var pid = Pid(state);
        await WaitForLogAsync("stubborn", "ready");
        var group = await Eventually.UntilAsync(
            () => Task.FromResult(ProcessTable.GroupMembers(pid)), members => members.Count == 2, TimeSpan.FromSeconds(5), "sh and its sleep");

        var clock = Stopwatch.StartNew();
        await _runtime.StopAsync("stubborn", TimeSpan.FromMilliseconds(500));
        clock.Stop();

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
        Assert.All(group, member => Assert.False(ProcessTable.IsAlive(member)));
        Assert.Equal(137, (await _runtime.InspectAsync("stubborn"))!.ExitCode);
    }

    [Fact]
    public async Task StartAsync_Always_DetachesProcessFromOrchestratorDescriptorsAndSession()
    {
        var state = await StartAsync(Httpd("web-green-0", Loopback.FreePort()));
        var pid = Pid(state);
        var log = _runtime.LogPath("web-green-0");

        // Nothing the orchestrator owns (pipes, terminal): a SIGKILLed orchestrator cannot take the instance along.
        Assert.Equal("/dev/null", ProcessTable.Descriptor(pid, 0));
        Assert.Equal(log, ProcessTable.Descriptor(pid, 1));
        Assert.Equal(log, ProcessTable.Descriptor(pid, 2));
        var stat = ProcStat.Read(pid)!.Value;
        Assert.Equal(pid, stat.Session);
        Assert.Equal(pid, stat.ProcessGroup);
    }

    [Fact]
    public async Task StartAsync_OutputAndEnvironment_AppendedToLogAcrossRestarts()
    {
        InstanceSpec Talker(string run) => new()
        {
            Name = "talker",
            Command = "/bin/sh",
            Arguments = ["-c", "echo out-$RUN; echo err-$RUN >&2; exec sleep 60"],
            Environment = new Dictionary<string, string> { ["RUN"] = run },
        };

        await StartAsync(Talker("1"));
        await WaitForLogAsync("talker", "err-1");
        await StartAsync(Talker("2"));
        var log = await WaitForLogAsync("talker", "err-2");

        var lines = log.Split('\n').Where(line => !line.StartsWith("---", StringComparison.Ordinal) && line.Length > 0).ToList();
        // One run writes its lines in order, and the second run appends after the first.
        Assert.Equal(["out-1", "err-1", "out-2", "err-2"], lines);
    }

    [Fact]
    public async Task InspectAsync_ProcessExitedOnItsOwn_ReportsStoppedWithExitCode()
    {
        await StartAsync(new InstanceSpec { Name = "short", Command = "/bin/sh", Arguments = ["-c", "exit 3"] });

        var state = await Eventually.UntilAsync(
            () => _runtime.InspectAsync("short"), s => s is { Running: false, ExitCode: not null }, TimeSpan.FromSeconds(5), "the exit");

        Assert.Equal(3, state!.ExitCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("-rf")]
    [InlineData(".pid")]
    [InlineData("name with space")]
    public async Task AllMethods_InvalidName_ThrowBeforeAnyIo(string name)
    {
        var marker = _folder.File("ran");
        var spec = new InstanceSpec { Name = name, Command = "/bin/sh", Arguments = ["-c", $"touch {marker}"] };

        var start = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StartAsync(spec));
        var stop = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.StopAsync(name, TimeSpan.FromSeconds(1)));
        var remove = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.RemoveAsync(name));
        var inspect = await Assert.ThrowsAsync<ArgumentException>(() => _runtime.InspectAsync(name));

        Assert.Equal("spec.Name", start.ParamName);
        Assert.All([stop, remove, inspect], error => Assert.Equal("name", error.ParamName));
        Assert.False(Directory.Exists(StateDirectory));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task StartAsync_OrchestratorEnvironment_InstanceGetsOnlyItsSpecRuntimeVariablesAndMinimalPath()
    {
        // What a server holds in its environment (admin tokens, Redis and certificate passwords): never the instances'.
        const string Secret = "BLUEGREEN_TEST_SECRET_ENVIRONMENT";
        Environment.SetEnvironmentVariable(Secret, "hunter2");
        try
        {
            var state = await StartAsync(new InstanceSpec
            {
                Name = "env-check",
                Command = Busybox,
                Arguments = ["sleep", "60"],
                Environment = new Dictionary<string, string> { ["MODE"] = "production" },
            });

            var environment = ProcessTable.Environment(Pid(state));
            Assert.DoesNotContain(Secret, environment.Keys);
            // PWD is the launcher shell's own (its working directory, which the process has anyway).
            Assert.Equal(["BLUEGREEN_INSTANCE_FILE", "MODE", "PATH", "PWD"], environment.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("production", environment["MODE"]);
            Assert.Equal(ProcessInstanceRuntime.DefaultPath, environment["PATH"]);
            Assert.Equal(_runtime.PidPath("env-check"), environment["BLUEGREEN_INSTANCE_FILE"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Secret, null);
        }
    }

    [Fact]
    public async Task StartAsync_SpecSetsPath_InstanceKeepsTheSpecPath()
    {
        var state = await StartAsync(new InstanceSpec
        {
            Name = "own-path",
            Command = Busybox,
            Arguments = ["sleep", "60"],
            Environment = new Dictionary<string, string> { ["PATH"] = "/opt/app/bin:/usr/bin" },
        });

        Assert.Equal("/opt/app/bin:/usr/bin", ProcessTable.Environment(Pid(state))["PATH"]);
    }

    [Fact]
    public async Task StartAsync_RootRuntimeWithRunAsUser_InstanceRunsAsThatUserWithoutGroupsOrNewPrivileges()
    {
        // The test suite runs as root (dockerd needs it), as a server in its Dockerfile does.
        Assert.True(Environment.IsPrivilegedProcess, "this test needs root: only root can switch users");
        var nobody = UserAccount.Find("nobody")!;
        var runtime = NewRuntime(o => o with { RunAsUser = "nobody" });
        var state = await runtime.StartAsync(new InstanceSpec
        {
            Name = "unprivileged",
            Command = "/bin/sh",
            Arguments = ["-c", "echo running as $(/bin/busybox id -u); exec /bin/busybox sleep 60"],
        });
        _started.Add(Pid(state));

        var status = ProcessTable.Status(Pid(state));
        Assert.Equal($"{nobody.Uid}\t{nobody.Uid}\t{nobody.Uid}\t{nobody.Uid}", status["Uid"]);
        Assert.Equal($"{nobody.Gid}\t{nobody.Gid}\t{nobody.Gid}\t{nobody.Gid}", status["Gid"]);
        Assert.Equal(string.Empty, status["Groups"]);
        Assert.Equal("1", status["NoNewPrivs"]);
        // setpriv exec'd in place: the recorded pid is the program (the shell until it execs sleep, after its echo: a
        // moment later on a busy machine); its log is root's, opened before the switch.
        await Eventually.UntilAsync(
            () => Task.FromResult(ProcessTable.CommandLine(Pid(state))),
            commandLine => commandLine.StartsWith("/bin/busybox sleep", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the recorded pid running the program's exec'd sleep");
        await Eventually.UntilAsync(
            () => File.ReadAllTextAsync(runtime.LogPath("unprivileged")),
            log => log.Contains($"running as {nobody.Uid}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the instance's output in its log");

        await runtime.StopAsync("unprivileged", TimeSpan.FromSeconds(5));
        Assert.False(ProcessTable.IsAlive(Pid(state)));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("no-such-user-bluegreen")]
    public void Constructor_RunAsRootOrUnknownUser_Throws(string user) =>
        Assert.Throws<ArgumentException>(() => NewRuntime(o => o with { RunAsUser = user }));

    [Theory]
    [InlineData("/bin/sh")]
    [InlineData("busybox")]
    [InlineData("/bin/../bin/busybox")]
    public async Task StartAsync_CommandNotAllowed_RefusedNamingItAndNothingStartedOrRecorded(string command)
    {
        var runtime = NewRuntime(o => o with { AllowedCommands = [Busybox] });
        var marker = Path.Combine(_folder.Path, "ran");

        var error = await Assert.ThrowsAsync<InstanceRuntimeException>(() => runtime.StartAsync(
            new InstanceSpec { Name = "forbidden", Command = command, Arguments = ["-c", $"touch {marker}"] }));

        Assert.Contains($"'{command}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not allowed", error.Message, StringComparison.Ordinal);
        Assert.Null(await runtime.InspectAsync("forbidden"));
        Assert.False(File.Exists(runtime.LogPath("forbidden")));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task StartAsync_CommandOnTheAllowList_Starts()
    {
        var runtime = NewRuntime(o => o with { AllowedCommands = [Busybox] });

        var state = await runtime.StartAsync(new InstanceSpec { Name = "allowed", Command = Busybox, Arguments = ["sleep", "60"] });
        _started.Add(Pid(state));

        Assert.True(state.Running);
    }

    [Fact]
    public async Task StartAsync_UnknownCommand_ThrowsNamingCommandAndRecordsNothing()
    {
        var spec = new InstanceSpec { Name = "typo", Command = "/nonexistent/bluegreen-server" };

        var error = await Assert.ThrowsAsync<InstanceRuntimeException>(() => _runtime.StartAsync(spec));

        Assert.Contains("/nonexistent/bluegreen-server", error.Message, StringComparison.Ordinal);
        Assert.Equal("typo", error.Instance);
        Assert.Null(await _runtime.InspectAsync("typo"));
    }

    [Fact]
    public async Task InspectAsync_PidNowBelongsToAnotherProcess_ReportsStoppedAndStopLeavesItAlone()
    {
        // A pid file whose pid is alive but whose start time differs: what a recycled pid looks like after a reboot.
        using var stranger = Process.Start(new ProcessStartInfo("/bin/sleep", "60") { UseShellExecute = false })!;
        TrackedProcesses.Track(stranger);
        try
        {
            var real = ProcStat.Read(stranger.Id)!.Value;
            Directory.CreateDirectory(StateDirectory);
            await new ProcessRecord(stranger.Id, real.StartTime + 1, DateTimeOffset.UtcNow).WriteAsync(_runtime.PidPath("recycled"), CancellationToken.None);

            var state = await _runtime.InspectAsync("recycled");
            await _runtime.StopAsync("recycled", TimeSpan.FromMilliseconds(100));
            await _runtime.RemoveAsync("recycled");

            Assert.NotNull(state);
            Assert.False(state.Running);
            Assert.True(ProcessTable.IsAlive(stranger.Id, real.StartTime));
        }
        finally
        {
            await TrackedProcesses.StopAsync(stranger);
        }
    }

    [Fact]
    public async Task RemoveAsync_RunningInstance_StopsItAndDeletesItsFiles()
    {
        var port = Loopback.FreePort();
        var started = await StartAsync(Httpd("web-green-0", port));

        await _runtime.RemoveAsync("web-green-0");

        Assert.False(ProcessTable.IsAlive(Pid(started)));
        Assert.Null(await _runtime.InspectAsync("web-green-0"));
        Assert.False(File.Exists(_runtime.PidPath("web-green-0")));
        Assert.False(File.Exists(_runtime.LogPath("web-green-0")));
    }

    [Fact]
    public async Task StopAndRemove_AbsentInstance_DoNothing()
    {
        await _runtime.StopAsync("never-started", TimeSpan.FromSeconds(1));
        await _runtime.RemoveAsync("never-started");

        Assert.Null(await _runtime.InspectAsync("never-started"));
    }

    private ProcessInstanceRuntime NewRuntime(Func<ProcessRuntimeOptions, ProcessRuntimeOptions>? customize = null)
    {
        var options = new ProcessRuntimeOptions { StateDirectory = StateDirectory, StopTimeout = TimeSpan.FromSeconds(5) };
        var runtime = new ProcessInstanceRuntime(customize?.Invoke(options) ?? options);
        _runtimes.Add(runtime);
        return runtime;
    }

    private InstanceSpec Httpd(string name, int port) => new()
    {
        Name = name,
        Command = Busybox,
        Arguments = ["httpd", "-f", "-p", $"127.0.0.1:{port}", "-h", WebRoot],
        Port = port,
    };

    /// <summary>Starts through the runtime and remembers the pid, so DisposeAsync kills it even if the test failed.</summary>
    private async Task<InstanceState> StartAsync(InstanceSpec spec)
    {
        var state = await _runtime.StartAsync(spec);
        _started.Add(Pid(state));
        return state;
    }

    private async Task<string> WaitForLogAsync(string name, string text) =>
        await Eventually.UntilAsync(
            () => File.ReadAllTextAsync(_runtime.LogPath(name)),
            log => log.Contains(text, StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            $"'{text}' in the log of {name}");

    private static int Pid(InstanceState state) => int.Parse(state.Id!, CultureInfo.InvariantCulture);
}
