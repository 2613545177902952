using System.Diagnostics;
using System.Globalization;
using BlueGreen.Orleans.Persistence.Tests.Grains;
using BlueGreen.Orleans.Harness;
using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence.Tests;

/// <summary>
/// A process that writes grain state through <see cref="SqliteGrainStorage"/> as fast as it can and prints
/// <c>ack N</c> after write N returned: everything acknowledged must survive a SIGKILL.
/// </summary>
internal sealed class StorageWriterProcess : IAsyncDisposable
{
    public const string Command = "storage-writer";

    /// <summary>The child stops by itself after this, should the test that started it be gone.</summary>
    private static readonly TimeSpan MaximumLifetime = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Task _reading;
    private readonly TaskCompletionSource _enoughAcknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _enough;
    private int _lastAcknowledged;

    private StorageWriterProcess(Process process, int enough)
    {
        _process = process;
        _enough = enough;
        _reading = ReadAcknowledgementsAsync();
    }

    /// <summary>The highest N the child printed <c>ack N</c> for.</summary>
    public int LastAcknowledged => Volatile.Read(ref _lastAcknowledged);

    public static GrainId GrainOf(int write) => GrainId.Create("writer", write.ToString(CultureInfo.InvariantCulture));

    /// <summary>Starts the child on <paramref name="databasePath"/>; <see cref="WaitAsync"/> returns after <paramref name="enough"/> acks.</summary>
    public static StorageWriterProcess Start(string databasePath, int enough)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(StorageWriterProcess).Assembly.Location, Command, databasePath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the writer process.");
        TrackedProcesses.Track(process);
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new StorageWriterProcess(process, enough);
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _enoughAcknowledged.Task.WaitAsync(cancellationToken);

    /// <summary>SIGKILL, then the acks that were already in the pipe.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync(cancellationToken);
        await _reading.WaitAsync(cancellationToken);
        TrackedProcesses.Untrack(_process);
    }

    public async ValueTask DisposeAsync()
    {
        await TrackedProcesses.StopAsync(_process);
        _process.Dispose();
    }

    /// <summary>The child's side: write record N to grain N, then acknowledge it, until killed.</summary>
    public static async Task<int> RunAsync(string databasePath)
    {
        using var silo = new SiloServicesFixture();
        var storage = await silo.CreateStorageAsync(databasePath);
        var lifetime = Stopwatch.StartNew();
        for (var write = 1; lifetime.Elapsed < MaximumLifetime; write++)
        {
            var state = new GrainState<DeploymentRecord>(DeploymentRecord.Sample($"service-{write}", write));
            await storage.WriteStateAsync("state", GrainOf(write), state);
            // Console.Out flushes every line: the parent sees the ack as soon as the write has returned.
            await Console.Out.WriteLineAsync($"ack {write}");
        }

        return 0;
    }

    private async Task ReadAcknowledgementsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("ack ", StringComparison.Ordinal))
            {
                var write = int.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
                Volatile.Write(ref _lastAcknowledged, write);
                if (write >= _enough)
                {
                    _enoughAcknowledged.TrySetResult();
                }
            }
        }

        _enoughAcknowledged.TrySetException(new InvalidOperationException(
            $"The writer process ended after {LastAcknowledged} acknowledged writes (exit code {(_process.HasExited ? _process.ExitCode : -1)})."));
    }
}
