namespace BlueGreen.Orleans.HaProxy.Runtime;

/// <summary>Turns HAProxy's error replies into typed exceptions.</summary>
internal static class ReplyErrors
{
    /// <summary>Returns the typed exception for a known error reply, or null when the reply is not a known error.</summary>
    public static HaProxyCommandException? Classify(string command, string reply)
    {
        var text = reply.TrimStart();
        if (Starts(text, "entry not found.") || Starts(text, "Key not found."))
        {
            return new HaProxyEntryNotFoundException(command, reply);
        }

        if (Starts(text, "Unknown map identifier"))
        {
            return new HaProxyUnknownMapException(command, reply);
        }

        if (Starts(text, "No such backend.") || Starts(text, "Can't find backend.") || Starts(text, "No such proxy."))
        {
            return new HaProxyUnknownBackendException(command, reply);
        }

        if (Starts(text, "No such server."))
        {
            return new HaProxyUnknownServerException(command, reply);
        }

        if (Starts(text, "Unknown command"))
        {
            return new HaProxyUnknownCommandException(command, reply);
        }

        if (Starts(text, "Permission denied"))
        {
            return new HaProxyPermissionDeniedException(command, reply);
        }

        return null;
    }

    /// <summary>Throws when the reply is a known error; otherwise returns it unchanged.</summary>
    public static string ThrowIfError(string command, string reply) =>
        Classify(command, reply) is { } error ? throw error : reply;

    /// <summary>For commands that print nothing on success: any text is an error.</summary>
    public static void ExpectEmpty(string command, string reply)
    {
        ThrowIfError(command, reply);
        if (reply.Length != 0)
        {
            throw new HaProxyCommandException(command, reply);
        }
    }

    /// <summary>For commands that print one known line on success.</summary>
    public static void ExpectPrefix(string command, string reply, string success)
    {
        ThrowIfError(command, reply);
        if (!reply.StartsWith(success, StringComparison.Ordinal))
        {
            throw new HaProxyCommandException(command, reply);
        }
    }

    private static bool Starts(string text, string prefix) => text.StartsWith(prefix, StringComparison.Ordinal);
}
