namespace BlueGreen.Orleans.HaProxy.Config;

/// <summary>An IP address and port HAProxy binds.</summary>
public sealed record ListenAddress(string Address, int Port)
{
    public override string ToString() => Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
