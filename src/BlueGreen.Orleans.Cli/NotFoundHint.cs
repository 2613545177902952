using System.CommandLine;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Cli;

/// <summary>
/// What a command's name argument refers to, so a NotFound can name the closest existing ones (<c>service show wbe</c>
/// → "Did you mean 'web'?"). The names come from a list call with the same token; a list that fails adds nothing.
/// </summary>
internal sealed class NotFoundHint(Argument<string> argument, Func<CliContext, CancellationToken, Task<IEnumerable<string>>> listAsync)
{
    public static NotFoundHint Service(Argument<string> argument) => new(argument, async (context, cancellationToken) =>
        (await context.Services.ListServicesAsync(new V1.ListServicesRequest(), context.Call(cancellationToken, TimeSpan.FromSeconds(5)))).Services.Select(s => s.Spec.Name));

    public static NotFoundHint Proxy(Argument<string> argument) => new(argument, async (context, cancellationToken) =>
        (await context.Proxies.ListProxiesAsync(new V1.ListProxiesRequest(), context.Call(cancellationToken, TimeSpan.FromSeconds(5)))).Proxies.Select(p => p.Id));

    /// <summary>The sentence to add, or empty: the typed name exists (something else was not found), or nothing is close.</summary>
    public async Task<string> ForAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var typed = parse.GetValue(argument) ?? string.Empty;
        try
        {
            var known = (await listAsync(context, cancellationToken)).ToList();
            return known.Contains(typed, StringComparer.Ordinal) ? string.Empty : Suggestions.DidYouMean(typed, known);
        }
        catch (Grpc.Core.RpcException)
        {
            return string.Empty;
        }
    }
}
