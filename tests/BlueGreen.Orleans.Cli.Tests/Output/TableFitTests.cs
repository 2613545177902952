using BlueGreen.Orleans.Cli.Output;
using Spectre.Console;

namespace BlueGreen.Orleans.Cli.Tests.Output;

/// <summary>Tables at any width: wrapped at spaces where they must be, never cut or ellipsized.</summary>
public sealed class TableFitTests
{
    private const string Error = "health deadline passed: web_green is not UP on edge-1 (L4CON) and edge-2 (L4TOUT) after 20 s";

    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(200)]
    public void Print_AnyWidth_EveryHeaderAndWordWhole(int width)
    {
        var output = Print(width, History());

        Assert.DoesNotContain("…", output, StringComparison.Ordinal);
        var words = output.Split(['\n', ' ', '│', '|'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var word in $"id kind version from → to outcome by started took switch skew error release succeeded ci-admin 12-02 12:00:00 1.25 {Error}".Split(' '))
        {
            Assert.True(words.Contains(word), $"'{word}' cut at {width} columns:\n{output}");
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200)]
    public void Print_RoomForTheLongestWords_WithinTheWidth(int width)
    {
        var output = Print(width, History());

        Assert.All(output.Split('\n'), line => Assert.True(line.Length <= width, $"{line.Length} > {width}:\n{output}"));
    }

    [Fact]
    public void Print_TooNarrowForTheLongestWords_WiderInsteadOfCut()
    {
        var output = Print(40, History());

        Assert.Contains(output.Split('\n'), line => line.Length > 40);
    }

    private static Table History() => new Table()
        .AddColumns("id", "kind", "version", "from → to", "outcome", "by", "started", "took", "switch skew", "error")
        .AddRow("1", "release", "2", "blue → green", "succeeded", "ci-admin", "12-02 12:00:00", "1.25 s", "0.4 ms", Markup.Escape(Error));

    private static string Print(int width, Table table)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        Render.Print(console, table);
        return writer.ToString();
    }
}
