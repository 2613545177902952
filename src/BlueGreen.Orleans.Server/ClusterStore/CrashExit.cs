using System.Diagnostics.CodeAnalysis;

namespace BlueGreen.Orleans.Server.ClusterStore;

/// <summary>
/// Crash-only stop: the process exits now with a code, without a graceful silo shutdown, whose deactivations and
/// membership updates would write to a store that no longer holds this cluster. The loggers are flushed first (the
/// console logger writes from a queue), so the line that says why is the last one seen.
/// </summary>
internal sealed class CrashExit(IEnumerable<ILoggerProvider> loggers)
{
    [DoesNotReturn]
    public void Now(int exitCode)
    {
        foreach (var logger in loggers)
        {
            try
            {
                logger.Dispose();
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException)
            {
                // Exiting anyway: a logger that cannot flush must not keep the process alive.
            }
        }

        Environment.Exit(exitCode);
    }
}
