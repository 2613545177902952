using System.CommandLine;

namespace BlueGreen.Orleans.Cli;

/// <summary>Options every command takes (recursive on the root).</summary>
internal sealed class GlobalOptions
{
    public Option<string> Server { get; } = new("--server")
    {
        Description = "The gateway's gRPC address, http:// or https:// [env: BLUEGREEN_SERVER]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BLUEGREEN_SERVER") is { Length: > 0 } server ? server : "http://127.0.0.1:5080",
    };

    /// <summary>The environment fallbacks of the token are read by <see cref="TokenSource"/>, after both options.</summary>
    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = $"Read the bearer token from this file, mode 600 (one trailing newline ignored) [env: {TokenSource.TokenFileVariable}]",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Bearer token; visible to other local users in the process list, prefer --token-file [env: {TokenSource.TokenVariable}]",
        Recursive = true,
    };

    public Option<string?> CaFile { get; } = new("--ca-file")
    {
        Description = $"For https://: trust only the CA certificate(s) in this PEM or DER file, not the system's [env: {ServerTransport.CaFileVariable}]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ServerTransport.CaFileVariable) is { Length: > 0 } path ? path : null,
    };

    public Option<bool> Insecure { get; } = new("--insecure")
    {
        Description = "Send the token over cleartext http:// to a server that is not on loopback (dangerous; certificates are still checked for https://)",
        Recursive = true,
    };

    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "table (for people) or json (for scripts)",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Table,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(TokenFile);
        root.Options.Add(Token);
        root.Options.Add(CaFile);
        root.Options.Add(Insecure);
        root.Options.Add(Output);
    }
}
