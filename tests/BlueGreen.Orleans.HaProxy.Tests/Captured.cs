namespace BlueGreen.Orleans.HaProxy.Tests;

/// <summary>Replies captured from a real HAProxy 2.6.12 (see Captured/); parsers are tested on them.</summary>
internal static class Captured
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Captured", name));
}
