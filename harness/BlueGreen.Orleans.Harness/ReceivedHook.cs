using System.Text;

namespace BlueGreen.Orleans.Harness;

/// <summary>One request a <see cref="HookReceiver"/> got: its number (from 1), when, method, path, headers and the exact body.</summary>
public sealed record ReceivedHook(int Number, DateTimeOffset At, string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
