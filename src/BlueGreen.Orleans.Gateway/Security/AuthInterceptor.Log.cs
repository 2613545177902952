using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Gateway.Security;

internal sealed partial class AuthInterceptor
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Admin call by token '{Caller}': {Method}")]
        public static partial void AdminCall(ILogger logger, string caller, string method);

        [LoggerMessage(2, LogLevel.Warning, "Refused {Method} to token '{Caller}': it needs an admin token")]
        public static partial void Forbidden(ILogger logger, string caller, string method);

        [LoggerMessage(3, LogLevel.Warning, "Refused {Method} from {Peer}: no valid bearer token")]
        public static partial void Unauthenticated(ILogger logger, string method, string peer);

        [LoggerMessage(5, LogLevel.Warning, "Refused {Method} from {Peer}: no current agent credential")]
        public static partial void AgentUnauthenticated(ILogger logger, string method, string peer);

        [LoggerMessage(4, LogLevel.Warning, "Refused {Method}: it is in no access list")]
        public static partial void Unlisted(ILogger logger, string method);

        [LoggerMessage(5, LogLevel.Warning, "Refused {Method} from {Peer}: cleartext off loopback")]
        public static partial void Cleartext(ILogger logger, string method, string peer);
    }
}
