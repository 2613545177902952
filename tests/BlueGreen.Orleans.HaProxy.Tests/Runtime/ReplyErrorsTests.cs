using BlueGreen.Orleans.HaProxy.Runtime;

namespace BlueGreen.Orleans.HaProxy.Tests.Runtime;

public sealed class ReplyErrorsTests
{
    [Theory]
    [InlineData("entry not found.", typeof(HaProxyEntryNotFoundException))]
    [InlineData("Key not found.", typeof(HaProxyEntryNotFoundException))]
    [InlineData("Unknown map identifier. Please use #<id> or <file>.", typeof(HaProxyUnknownMapException))]
    [InlineData("No such backend.", typeof(HaProxyUnknownBackendException))]
    [InlineData("Can't find backend.", typeof(HaProxyUnknownBackendException))]
    [InlineData("No such server.", typeof(HaProxyUnknownServerException))]
    [InlineData("Unknown command, but maybe one of the following ones is a better match:", typeof(HaProxyUnknownCommandException))]
    [InlineData("Permission denied", typeof(HaProxyPermissionDeniedException))]
    public void Classify_KnownReply_TypedExceptionCarryingReply(string reply, Type expected)
    {
        var error = ReplyErrors.Classify("set map /m k v", reply);

        Assert.NotNull(error);
        Assert.IsType(expected, error);
        Assert.Equal(reply, error.Reply);
        Assert.Equal("set map /m k v", error.Command);
    }

    [Fact]
    public void ExpectEmpty_UnexpectedText_ThrowsGenericCommandException()
    {
        var error = Assert.Throws<HaProxyCommandException>(() => ReplyErrors.ExpectEmpty("set server a/b state ready", "Something odd."));

        Assert.Equal("Something odd.", error.Reply);
    }

    [Fact]
    public void ExpectPrefix_SuccessLineOrError_PassesOnlyTheSuccessLine()
    {
        Assert.Null(Record.Exception(() => ReplyErrors.ExpectPrefix("del server a/b", "Server deleted.", "Server deleted.")));
        Assert.Throws<HaProxyUnknownServerException>(() => ReplyErrors.ExpectPrefix("del server a/b", "No such server.", "Server deleted."));
    }
}
