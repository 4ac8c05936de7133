using Microsoft.Extensions.Logging;

namespace ActorEdge.Redis;

public sealed partial class RedisConnection
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The connection to Redis at {EndPoint} was lost: {Reason}; reconnecting")]
    private static partial void LogWarningConnectionLost(ILogger logger, string endPoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to Redis at {EndPoint} after {Attempts} attempts")]
    private static partial void LogInformationReconnected(ILogger logger, string endPoint, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconnection {Attempt} to Redis at {EndPoint} failed: {Reason}")]
    private static partial void LogDebugReconnectFailed(ILogger logger, string endPoint, int attempt, string reason);
}
