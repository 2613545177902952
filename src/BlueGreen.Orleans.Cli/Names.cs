using BlueGreen.Orleans.Rules;

namespace BlueGreen.Orleans.Cli;

/// <summary>The rules the server applies (<see cref="FieldRules"/>, the same code), checked here first for a quick, clear error.</summary>
internal static class Names
{
    public static string CheckService(string value) => Check(FieldRules.ServiceName, value, "service");

    public static string CheckProxy(string value) => Check(FieldRules.ProxyId, value, "proxy id");

    public static string CheckVersion(string value) => Check(FieldRules.Version, value, "--version");

    public static string CheckMaintenanceMessage(string value) => Check(FieldRules.MaintenanceMessage, value, "--message");

    /// <summary>Refuses with <c>what 'value': use rule.</c>, the value shown without its control characters.</summary>
    public static string Check(TextRule rule, string value, string what) =>
        rule.IsValid(value) ? value : throw new CliException($"{what} '{Printable(value)}': use {rule.Description}.");

    /// <summary>Echoes a refused value without letting its control characters act on the terminal.</summary>
    public static string Printable(string value, int max = 64)
    {
        var shown = new string(value.Take(max).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > max ? shown + "…" : shown;
    }
}
