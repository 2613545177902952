using System.Text.RegularExpressions;
using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.Agent.Commands;

/// <summary>A command from the server about one backend; <see cref="FirstError"/> checks it before any I/O.</summary>
/// <param name="ForceDown">For a recheck: set every server's health DOWN first, so only a check run from now on brings it UP.</param>
internal sealed partial record AgentCommandRequest(string Id, AgentCommandKind Kind, string Backend, bool ForceDown = false)
{
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    public string? FirstError() =>
        !IdPattern().IsMatch(Id) ? $"command id '{RuntimeArguments.Printable(Id)}' must be 1-64 characters of A-Z a-z 0-9 . _ -."
        : Kind != AgentCommandKind.ReadRoutes && !RuntimeArguments.IsValidName(Backend) ? $"backend '{RuntimeArguments.Printable(Backend)}' must be 1-128 characters of A-Z a-z 0-9 . _ : / -."
        : null;
}
