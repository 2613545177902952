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
}
