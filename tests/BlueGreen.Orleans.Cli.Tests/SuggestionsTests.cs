namespace BlueGreen.Orleans.Cli.Tests;

public sealed class SuggestionsTests
{
    [Theory]
    [InlineData("wbe", "web")]
    [InlineData("shpo", "shop")]
    [InlineData("relase", "release")]
    [InlineData("WEB", "web")]
    public void Closest_OneTypo_FindsTheName(string typed, string expected) =>
        Assert.Equal([expected], Suggestions.Closest(typed, ["web", "shop", "cart", "release", "rollback"]));

    [Theory]
    [InlineData("zzz")]
    [InlineData("web")]
    [InlineData("")]
    public void Closest_NothingClose_Empty(string typed) =>
        Assert.Empty(Suggestions.Closest(typed, ["web", "shop"]));

    [Fact]
    public void DidYouMean_SeveralClose_ClosestFirstAtMostThree() =>
        Assert.Equal(" Did you mean 'web1', 'web2' or 'web3'?", Suggestions.DidYouMean("web", ["web3", "web1", "web2", "web4", "mail"]));
}
