using System.Reflection;

namespace BlueGreen.Orleans.Grains.Tests.Integration;

/// <summary>
/// A grain call whose reply is lost and which itself arrives late: the caller gets a timeout at once, as when Orleans'
/// response timeout expires while the callee still works, and the call reaches the grain only when the test says so,
/// with its original arguments (e.g. after the caller has reverted what it asked for).
/// </summary>
internal sealed class LateCalls : IOutgoingGrainCallFilter
{
    private readonly TaskCompletionSource<Exception?> _delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<IOutgoingGrainCallContext, bool>? _match;
    private Task _release = Task.CompletedTask;

    /// <summary>How the late call ended: null when the grain accepted it, else what it threw.</summary>
    public Task<Exception?> Delivered => _delivered.Task;

    /// <summary>The first call to <paramref name="method"/> on the grain keyed <paramref name="grainKey"/> whose arguments match.</summary>
    public void LoseReplyOnce(string method, string grainKey, Func<object?[], bool> arguments, Task deliverWhen)
    {
        _release = deliverWhen;
        _match = context => context.InterfaceMethod?.Name == method
            && context.TargetId.Key.ToString() == grainKey
            && arguments(Arguments(context));
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (_match is not { } match || !match(context) || Interlocked.CompareExchange(ref _match, null, match) != match)
        {
            await context.Invoke();
            return;
        }

        _ = DeliverLateAsync(context.InterfaceMethod!, context.Grain!, Arguments(context));
        throw new TimeoutException($"{context.InterfaceMethod!.Name} on {context.TargetId}: no reply in time (test: the call arrives later)");
    }

    private async Task DeliverLateAsync(MethodInfo method, object grain, object?[] arguments)
    {
        await _release;
        try
        {
            await (Task)method.Invoke(grain, arguments)!;
            _delivered.TrySetResult(null);
        }
        catch (Exception e)
        {
            _delivered.TrySetResult(e is TargetInvocationException { InnerException: { } inner } ? inner : e);
        }
    }

    private static object?[] Arguments(IOutgoingGrainCallContext context) =>
        Enumerable.Range(0, context.Request.GetArgumentCount()).Select(context.Request.GetArgument).ToArray();
}
