namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>What a gateway token may do.</summary>
public enum TokenRole
{
    /// <summary>Every read RPC; nothing that changes anything.</summary>
    Read,

    /// <summary>Every RPC.</summary>
    Admin,
}
