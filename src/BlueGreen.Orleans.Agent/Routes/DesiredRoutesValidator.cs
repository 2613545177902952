using System.Globalization;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Routes;

/// <summary>
/// The limits of a desired-routes version (agent.proto documents them), checked when it arrives and again before it
/// reaches HAProxy (a state file could have been edited by hand).
/// </summary>
internal static class DesiredRoutesValidator
{
    /// <summary>At most this many routes: 10,000 of 128 + 128 characters stay under gRPC's 4 MiB message limit.</summary>
    public const int MaxRoutes = 10_000;

    /// <summary>The first problem as one line, or null when the version may be applied.</summary>
    public static string? FirstError(DesiredRoutes desired)
    {
        if (desired.Version < 1)
        {
            return $"version must be at least 1, got {desired.Version.ToString(CultureInfo.InvariantCulture)}.";
        }

        if (desired.Routes.Count > MaxRoutes)
        {
            return $"{desired.Routes.Count.ToString(CultureInfo.InvariantCulture)} routes, over the limit of {MaxRoutes.ToString(CultureInfo.InvariantCulture)}.";
        }

        foreach (var (key, backend) in desired.Routes)
        {
            if (!RuntimeArguments.IsValidName(key))
            {
                return $"route key '{RuntimeArguments.Printable(key)}' must be 1-128 characters of A-Z a-z 0-9 . _ : / -.";
            }

            if (!RuntimeArguments.IsValidName(backend))
            {
                return $"backend '{RuntimeArguments.Printable(backend)}' of route '{key}' must be 1-128 characters of A-Z a-z 0-9 . _ : / -.";
            }
        }

        return null;
    }
}
