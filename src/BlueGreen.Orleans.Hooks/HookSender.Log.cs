using Microsoft.Extensions.Logging;

namespace BlueGreen.Orleans.Hooks;

public sealed partial class HookSender
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Hook {Event} of {Service} at {Url}: {Status} after {Attempts} attempt(s)")]
        public static partial void Delivered(ILogger logger, string service, string @event, string url, int status, int attempts);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Hook {Event} of {Service} at {Url} failed: {Outcome} after {Attempts} attempt(s)")]
        public static partial void NotDelivered(ILogger logger, string service, string @event, string url, string outcome, int attempts);
    }
}
