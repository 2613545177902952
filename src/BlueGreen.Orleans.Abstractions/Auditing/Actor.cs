namespace BlueGreen.Orleans.Auditing;

/// <summary>
/// Who asked for the grain call in progress: the name of the gateway token that authenticated it, carried in Orleans'
/// <see cref="RequestContext"/> (set by the gateway from the token it verified, never from a request field). Calls from
/// inside the cluster (tests, benches, the demo's own client) carry none and count as <see cref="Internal"/>.
/// </summary>
public static class Actor
{
    /// <summary>The actor of a call that came from inside the cluster rather than through the gateway.</summary>
    public const string Internal = "internal";

    private const string Key = "bluegreen.actor";

    public static string Current => RequestContext.Get(Key) is string { Length: > 0 } name ? name : Internal;

    /// <summary>Sets the actor for the calls the current async flow makes from now on.</summary>
    public static void Set(string name) => RequestContext.Set(Key, name);

    /// <summary>Who did it and when, as stored with a change.</summary>
    public static Change Stamp(TimeProvider time) => new(Current, time.GetUtcNow());
}
