using System.Globalization;

namespace BlueGreen.Orleans.Bench.Load;

/// <summary>The options of <c>load</c>, as typed.</summary>
internal sealed record LoadProofOptions(long Requests, string Proxies, int Clients, string Client, int ControlDelayMs)
{
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Requests < 1)
        {
            errors.Add("--requests must be at least 1.");
        }

        var counts = ProxyCounts();
        if (counts.Count == 0 || counts.Any(c => c is < 1 or > 100))
        {
            errors.Add("--proxies must be a comma-separated list of counts from 1 to 100, e.g. 1,10.");
        }
        else if (Clients < counts.Max())
        {
            errors.Add("--clients must be at least the largest proxy count (every proxy gets a client).");
        }

        if (Clients is < 1 or > 1000)
        {
            errors.Add("--clients must be from 1 to 1000.");
        }

        if (Client.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is not { Length: > 0 } names ||
            names.Any(n => n is not ("load" or "hey")))
        {
            errors.Add("--client must be load, hey or load,hey.");
        }

        if (ControlDelayMs is < 50 or > 5000)
        {
            errors.Add("--control-delay-ms must be from 50 to 5000: requests must be in flight when the old colour dies.");
        }

        return errors;
    }

    /// <summary>The proxy counts, in the order given; empty when one is not a number.</summary>
    public IReadOnlyList<int> ProxyCounts()
    {
        var counts = new List<int>();
        foreach (var part in Proxies.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return [];
            }

            counts.Add(count);
        }

        return counts;
    }

    public IReadOnlyList<ILoadClient> LoadClients() =>
        [.. Client.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)
            .Select(n => n == "hey" ? (ILoadClient)new HeyClient() : new GeneratorClient())];
}
