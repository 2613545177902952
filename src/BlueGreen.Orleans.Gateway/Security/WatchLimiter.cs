using Grpc.Core;
using Microsoft.Extensions.Options;

namespace BlueGreen.Orleans.Gateway.Security;

/// <summary>
/// Bounds the <c>WatchDeployment</c> streams of each token (<see cref="GrpcGatewayOptions.MaxWatchStreamsPerToken"/>):
/// each open stream polls a grain ten times a second, so one token must not be able to open thousands.
/// </summary>
internal sealed class WatchLimiter(IOptions<GrpcGatewayOptions> options)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Takes one stream slot of the caller until the returned lease is disposed; RESOURCE_EXHAUSTED when none is free.</summary>
    public IDisposable Enter(Caller caller)
    {
        var limit = options.Value.MaxWatchStreamsPerToken;
        lock (_open)
        {
            var open = _open.GetValueOrDefault(caller.Name);
            if (open >= limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"token '{caller.Name}' already holds {open} watch streams, the most it may (Gateway:MaxWatchStreamsPerToken)."));
            }

            _open[caller.Name] = open + 1;
        }

        return new Lease(this, caller.Name);
    }

    public int OpenStreams(string caller)
    {
        lock (_open)
        {
            return _open.GetValueOrDefault(caller);
        }
    }

    private void Leave(string caller)
    {
        lock (_open)
        {
            if (_open[caller] == 1)
            {
                _open.Remove(caller);
            }
            else
            {
                _open[caller]--;
            }
        }
    }

    private sealed class Lease(WatchLimiter limiter, string caller) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Leave(caller);
            }
        }
    }
}
