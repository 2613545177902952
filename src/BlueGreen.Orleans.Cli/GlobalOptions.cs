using System.CommandLine;

namespace BlueGreen.Orleans.Cli;

/// <summary>Options every command takes (recursive on the root).</summary>
internal sealed class GlobalOptions
{
    public Option<string> Server { get; } = new("--server")
    {
        Description = "The gateway's gRPC address [env: BLUEGREEN_SERVER]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BLUEGREEN_SERVER") is { Length: > 0 } server ? server : "http://127.0.0.1:5080",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Bearer token [env: BLUEGREEN_TOKEN]",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BLUEGREEN_TOKEN") is { Length: > 0 } token ? token : null,
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
        root.Options.Add(Token);
        root.Options.Add(Output);
    }
}
