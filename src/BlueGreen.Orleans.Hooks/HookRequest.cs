namespace BlueGreen.Orleans.Hooks;

/// <summary>One hook to call: where, how long each attempt may take, how many retries, and what to sign with.</summary>
public sealed record HookRequest(Uri Url, TimeSpan Timeout, int Retries, ReadOnlyMemory<byte> Secret, HookPayload Payload);
