using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using V1 = BlueGreen.Orleans.Protos.V1;

namespace BlueGreen.Orleans.Faults.Tests.Support;

/// <summary>
/// Every RPC of the bluegreen.v1 services, read from the compiled proto descriptors (so a new RPC is covered without
/// touching the tests), and an untyped way to call any of them.
/// </summary>
public static class RpcCatalog
{
    public static IReadOnlyList<MethodDescriptor> Methods { get; } =
        [.. V1.BluegreenReflection.Descriptor.Services.SelectMany(s => s.Methods)];

    /// <summary>
    /// The agents' RPCs (agent.proto), read from its descriptor too: opened by an agent credential only, never by a read
    /// or admin token (AuthTests walks them apart, <see cref="AllMethods"/> is both protos).
    /// </summary>
    public static IReadOnlyList<MethodDescriptor> AgentMethods { get; } =
        [.. V1.AgentReflection.Descriptor.Services.SelectMany(s => s.Methods)];

    /// <summary>Every RPC of both protos.</summary>
    public static IReadOnlyList<MethodDescriptor> AllMethods { get; } = [.. Methods, .. AgentMethods];

    /// <summary>The gRPC path, e.g. <c>/bluegreen.v1.Deployments/Release</c>.</summary>
    public static string PathOf(MethodDescriptor method) => $"/{method.Service.FullName}/{method.Name}";

    public static MethodDescriptor Find(string path) => AllMethods.Single(m => PathOf(m) == path);

    /// <summary>
    /// Reads are named Get…, List… or Watch…; everything else changes something and needs an admin token. A new RPC
    /// therefore counts as mutating until it is named as a read.
    /// </summary>
    public static bool IsRead(MethodDescriptor method) =>
        method.Name.StartsWith("Get", StringComparison.Ordinal) || method.Name.StartsWith("List", StringComparison.Ordinal) || method.Name.StartsWith("Watch", StringComparison.Ordinal);

    /// <summary>Calls <paramref name="method"/>; a server stream is read to its end and its last message returned.</summary>
    public static async Task<IMessage?> CallAsync(CallInvoker invoker, MethodDescriptor method, IMessage request, Metadata headers, TimeSpan? timeout = null)
    {
        var marshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes));
        var responses = Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes));
        var rpc = new Method<IMessage, IMessage>(
            method.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary, method.Service.FullName, method.Name, marshaller, responses);
        var options = new CallOptions(headers, DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)));
        if (method.IsClientStreaming && method.IsServerStreaming)
        {
            // One message, then the end of the request stream; the server's answer (or refusal) is read to its end.
            var duplex = new Method<IMessage, IMessage>(MethodType.DuplexStreaming, method.Service.FullName, method.Name, marshaller, responses);
            using var stream = invoker.AsyncDuplexStreamingCall(duplex, null, options);
            try
            {
                await stream.RequestStream.WriteAsync(request);
                await stream.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // Refused before the message went out: the status comes with the read below.
            }

            IMessage? answer = null;
            while (await stream.ResponseStream.MoveNext(CancellationToken.None))
            {
                answer = stream.ResponseStream.Current;
            }

            return answer;
        }

        if (method.IsServerStreaming)
        {
            using var stream = invoker.AsyncServerStreamingCall(rpc, null, options, request);
            IMessage? last = null;
            while (await stream.ResponseStream.MoveNext(CancellationToken.None))
            {
                last = stream.ResponseStream.Current;
            }

            return last;
        }

        using var call = invoker.AsyncUnaryCall(rpc, null, options, request);
        return await call.ResponseAsync;
    }

    /// <summary>The status code of one call: OK, or the code it was refused with.</summary>
    public static async Task<(StatusCode Code, string Detail, IMessage? Response)> TryCallAsync(CallInvoker invoker, MethodDescriptor method, IMessage request, Metadata headers, TimeSpan? timeout = null)
    {
        try
        {
            return (StatusCode.OK, string.Empty, await CallAsync(invoker, method, request, headers, timeout));
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail, null);
        }
    }
}
