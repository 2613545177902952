using System.Globalization;

namespace BlueGreen.Orleans.Rules;

/// <summary>
/// The one copy of a canary release's rules (release --canary 10,50,100 --step-interval 30s), used by the CLI, the
/// gateway and the service grain, each problem in words naming its field.
/// </summary>
public static class CanaryRules
{
    /// <summary>Steps a canary may have, 100 included: more is a slow release, not a safer one.</summary>
    public const int MaxSteps = 10;

    /// <summary>How long each weight is held when the release does not say.</summary>
    public static readonly TimeSpan DefaultStepInterval = TimeSpan.FromMinutes(1);

    /// <summary>At least one second: HAProxy's checks and counters need some traffic to say anything.</summary>
    public static readonly TimeSpan MinStepInterval = TimeSpan.FromSeconds(1);

    public static string Description => $"1 to {MaxSteps} whole percentages, rising, each 1-100 (e.g. 10,50,100); the last step is 100 whether written or not";

    public static string StepIntervalDescription => "at least 1 s and at most 24 h";

    public static bool IsValidStepInterval(TimeSpan value) => value >= MinStepInterval && value <= DurationRule.Max;

    /// <summary>
    /// The weights below 100 a canary holds, from the weights as given (100 at the end may be written or not); null with
    /// the problem when they break the rules.
    /// </summary>
    public static IReadOnlyList<int>? Steps(IReadOnlyList<int> weights, out string? problem)
    {
        problem = Problem(weights);
        if (problem is not null)
        {
            return null;
        }

        var steps = weights[^1] == 100 ? weights.Take(weights.Count - 1).ToList() : weights.ToList();
        if (steps.Count == 0)
        {
            problem = "must hold some traffic below 100 before the switch (100 alone is a plain release)";
            return null;
        }

        return steps;
    }

    private static string? Problem(IReadOnlyList<int> weights)
    {
        if (weights.Count == 0)
        {
            return "must name at least one weight";
        }

        if (weights.Count > MaxSteps)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has {weights.Count} weights, at most {MaxSteps}");
        }

        for (var i = 0; i < weights.Count; i++)
        {
            if (weights[i] is < 1 or > 100)
            {
                return string.Create(CultureInfo.InvariantCulture, $"weight {weights[i]} is not between 1 and 100");
            }

            if (i > 0 && weights[i] <= weights[i - 1])
            {
                return string.Create(CultureInfo.InvariantCulture, $"weights must rise: {weights[i]} after {weights[i - 1]}");
            }
        }

        return null;
    }

    /// <summary>Parses <c>10,50,100</c> (the CLI's form); null with the problem when it is not that.</summary>
    public static IReadOnlyList<int>? Parse(string text, out string? problem)
    {
        var parts = text.Split(',');
        var weights = new List<int>(parts.Length);
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
            {
                problem = "must be whole percentages separated by commas, e.g. 10,50,100";
                return null;
            }

            weights.Add(weight);
        }

        return Steps(weights, out problem);
    }
}
