namespace BlueGreen.Orleans.Bench.Load;

/// <summary>What one load run sends: <see cref="Clients"/> concurrent clients over the frontends, at least <see cref="Requests"/> requests.</summary>
/// <param name="WarmUp">Load runs this long before the work under load starts.</param>
internal sealed record LoadPlan(IReadOnlyList<Uri> Frontends, string Host, string Path, int Clients, long Requests, TimeSpan WarmUp);
