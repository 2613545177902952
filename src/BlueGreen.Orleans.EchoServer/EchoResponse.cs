namespace BlueGreen.Orleans.EchoServer;

internal sealed record EchoResponse(
    string Colour,
    string Version,
    string InstanceId,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers);
