namespace BlueGreen.Orleans.Instances.Tests;

public sealed class ProcStatTests
{
    [Fact]
    public void Parse_CommandWithSpacesAndParentheses_ReadsFieldsAfterLastParenthesis()
    {
        // A real line with comm "my (odd) prog": fields are counted from the last ')'.
        const string line = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

        var stat = ProcStat.Parse(line);

        Assert.Equal(new ProcStat(4242, 'S', 4242, 4242, 987654, 1), stat);
        Assert.True(stat!.Value.IsAlive);
    }

    [Fact]
    public void Parse_Zombie_IsNotAlive()
    {
        const string line = "7 (sh) Z 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0 0";

        Assert.False(ProcStat.Parse(line)!.Value.IsAlive);
    }

    [Fact]
    public void Read_OwnProcess_MatchesOwnPid()
    {
        var stat = ProcStat.Read(Environment.ProcessId);

        Assert.NotNull(stat);
        Assert.Equal(Environment.ProcessId, stat.Value.Pid);
        Assert.True(stat.Value.StartTime > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12 (x) S 1")]
    public void Parse_Malformed_ReturnsNull(string line) => Assert.Null(ProcStat.Parse(line));
}
