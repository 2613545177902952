namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>Who may call a gRPC method.</summary>
public enum MethodAccess
{
    /// <summary>Anyone who reaches the port, without a token: health and reflection only, on purpose.</summary>
    Public,

    /// <summary>A read or an admin token.</summary>
    Read,

    /// <summary>An admin token only.</summary>
    Admin,

    /// <summary>
    /// An agent credential only (bound to one proxy): no read or admin token opens it, and an agent credential opens
    /// nothing else. Required also when Gateway:RequireAuthentication is false: the credential says which proxy it is.
    /// </summary>
    Agent,
}
