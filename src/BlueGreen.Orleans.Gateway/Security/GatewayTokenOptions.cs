namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// One named token: <c>Gateway:Tokens:&lt;name&gt;:Role</c> and either <c>:File</c> (preferred: the token never sits in
/// argv, the environment or a config file) or <c>:Value</c>. The name is what records and logs show, never the token.
/// </summary>
public sealed class GatewayTokenOptions
{
    public TokenRole Role { get; set; } = TokenRole.Read;

    /// <summary>A file holding the token (one line; a trailing newline is ignored). Read once, at start.</summary>
    public string? File { get; set; }

    public string? Value { get; set; }
}
