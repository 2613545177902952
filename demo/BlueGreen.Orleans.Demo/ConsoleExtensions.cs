using Spectre.Console;

namespace BlueGreen.Orleans.Demo;

internal static class ConsoleExtensions
{
    /// <summary>Markup whose interpolated figures are formatted with the invariant culture (holes are not escaped).</summary>
    public static void MarkupLineInvariant(this IAnsiConsole console, FormattableString markup) =>
        console.MarkupLine(FormattableString.Invariant(markup));
}
