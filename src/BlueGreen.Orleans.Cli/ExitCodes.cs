namespace BlueGreen.Orleans.Cli;

/// <summary>Every exit code of <c>bluegreen</c>, in one place (the README lists them).</summary>
public static class ExitCodes
{
    /// <summary>Done; a deployment that was waited for succeeded.</summary>
    public const int Ok = 0;

    /// <summary>A deployment failed (a step failed and the fleet went back) or was aborted.</summary>
    public const int Failed = 1;

    /// <summary>The server refused the command: invalid argument, not found, conflict, or a deployment in progress.</summary>
    public const int Refused = 2;

    /// <summary>A deployment rolled back automatically (unhealthy target, or verify over the 5xx limit).</summary>
    public const int RolledBack = 3;

    /// <summary>The server could not be reached, did not answer in time, or TLS failed (its certificate is not trusted).</summary>
    public const int Unreachable = 4;

    /// <summary>No token, a wrong token, or a read-only token for a command that changes something.</summary>
    public const int Unauthorized = 5;

    /// <summary>The server answered but failed: its state storage failed (the message says so) or an internal error.</summary>
    public const int ServerFailed = 6;

    /// <summary>
    /// The command line itself is wrong (unknown option, bad value, unreadable spec, token or CA file) or unsafe (a token
    /// over cleartext http:// to a server off loopback without --insecure). Nothing was sent.
    /// </summary>
    public const int Usage = 64;
}
