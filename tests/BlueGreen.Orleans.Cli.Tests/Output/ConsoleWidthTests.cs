using BlueGreen.Orleans.Cli.Output;

namespace BlueGreen.Orleans.Cli.Tests.Output;

public sealed class ConsoleWidthTests
{
    [Theory]
    [InlineData(true, "60", null)]
    [InlineData(true, null, null)]
    [InlineData(false, "60", 60)]
    [InlineData(false, "200", 200)]
    [InlineData(false, null, ConsoleWidth.Default)]
    [InlineData(false, "", ConsoleWidth.Default)]
    [InlineData(false, "wide", ConsoleWidth.Default)]
    [InlineData(false, "-5", ConsoleWidth.Default)]
    [InlineData(false, "3", ConsoleWidth.Default)]
    [InlineData(false, "99999999999", ConsoleWidth.Default)]
    public void Choose_TerminalOrColumns_Width(bool isTerminal, string? columns, int? expected) =>
        Assert.Equal(expected, ConsoleWidth.Choose(isTerminal, columns));
}
