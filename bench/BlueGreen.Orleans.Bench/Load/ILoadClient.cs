namespace BlueGreen.Orleans.Bench.Load;

/// <summary>A way to put load on the frontends: the project's own generator, or <c>hey</c>.</summary>
internal interface ILoadClient
{
    /// <summary>Short name for the tables.</summary>
    string Name { get; }

    /// <summary>
    /// Starts the load, runs <paramref name="duringLoad"/> once the warm-up has passed, and keeps the load going until
    /// <paramref name="duringLoad"/> has ended and at least <see cref="LoadPlan.Requests"/> requests were sent.
    /// </summary>
    Task<ClientRun> RunAsync(LoadPlan plan, Func<CancellationToken, Task> duringLoad, CancellationToken cancellationToken);
}
