using System.Collections.Concurrent;
using BlueGreen.Orleans.HaProxy.Hosting;

namespace BlueGreen.Orleans.HaProxy.Maps;

/// <summary>
/// The one thread at the lowest CPU priority (nice <see cref="DurableFile.BackgroundNice"/>) that runs every
/// <see cref="WritePriority.Background"/> write of the process, in the order given. It starts with the first one and
/// stays: a thread started for each write cost a clone, the runtime's wait for the new thread to run and its exit, on
/// an agent's busiest path (in a perf profile of 50 agents switching on 2 cores, about 6 % of the agents' samples in the
/// switch's window). The writes queue behind each other, which suits the agent (its state file, then its map file, one
/// version at a time); a process with many durable writes in parallel (a server's proxies, whose writes share a journal
/// commit) writes at <see cref="WritePriority.Normal"/>, a thread each.
/// </summary>
internal static class BackgroundWriteThread
{
    private static readonly BlockingCollection<Work> Queue = new(new ConcurrentQueue<Work>());
    private static readonly Lock Starting = new();
    private static Thread? _thread;

    /// <summary>Runs <paramref name="write"/> on the thread; a token cancelled before its turn skips it.</summary>
    public static Task RunAsync(Action write, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var work = new Work(write, cancellationToken);
        EnsureStarted();
        Queue.Add(work, CancellationToken.None);
        return work.Done.Task;
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref _thread) is not null)
        {
            return;
        }

        lock (Starting)
        {
            if (_thread is not null)
            {
                return;
            }

            // A background thread: it never keeps the process alive, and what it has not written when the process ends
            // was not acknowledged either.
            var thread = new Thread(Run) { IsBackground = true, Name = "bg durable writes" };
            thread.Start();
            Volatile.Write(ref _thread, thread);
        }
    }

    private static void Run()
    {
        // PRIO_PROCESS with a thread id: Linux sets this thread's nice value only. A host that refuses it (a syscall
        // filter) gets the writes at the normal priority.
        const int ProcessOrThread = 0;
        _ = NativeMethods.SetPriority(ProcessOrThread, NativeMethods.GetThreadId(), DurableFile.BackgroundNice);
        foreach (var work in Queue.GetConsumingEnumerable())
        {
            if (work.CancellationToken.IsCancellationRequested)
            {
                work.Done.TrySetCanceled(work.CancellationToken);
                continue;
            }

            try
            {
                work.Write();
                work.Done.TrySetResult();
            }
            catch (Exception e)
            {
                work.Done.TrySetException(e);
            }
        }
    }

    private sealed record Work(Action Write, CancellationToken CancellationToken)
    {
        /// <summary>Continuations run on the pool, never on this thread: it stays free for the next write, and nice 19 stays with the writes.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
