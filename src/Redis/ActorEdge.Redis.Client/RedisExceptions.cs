using System.Text;

namespace ActorEdge.Redis;

/// <summary>The base of every error raised by the Redis client.</summary>
public class RedisException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>
/// The connection could not be opened, or was lost while the command was pending (so the command
/// may or may not have been executed), or was not re-established within the command's timeout.
/// </summary>
public sealed class RedisConnectionException(string message, Exception? innerException = null) : RedisException(message, innerException);

/// <summary>No reply arrived within the command's timeout. The command may still be executed by the server.</summary>
public sealed class RedisTimeoutException(string message) : RedisException(message);

/// <summary>The server sent bytes that are not valid RESP, or a reply larger than allowed. The connection is reset.</summary>
public sealed class RedisProtocolException(string message, Exception? innerException = null) : RedisException(message, innerException);

/// <summary>The server answered with an error reply. <see cref="Prefix"/> is its first word (ERR, WRONGTYPE...).</summary>
public class RedisServerException : RedisException
{
    /// <summary>Creates the exception for an error reply.</summary>
    public RedisServerException(string prefix, string message) : base(message) => Prefix = prefix;

    /// <summary>The error's code: the first word of the reply, such as <c>ERR</c> or <c>WRONGTYPE</c>.</summary>
    public string Prefix { get; }

    /// <summary>The typed exception for the text of an error reply.</summary>
    public static RedisServerException FromReply(ReadOnlySpan<byte> reply)
    {
        var space = reply.IndexOf((byte)' ');
        var code = space < 0 ? reply : reply[..space];
        var message = Encoding.UTF8.GetString(reply);
        var prefix = Encoding.UTF8.GetString(code);
        return prefix switch
        {
            "NOSCRIPT" => new RedisNoScriptException(message),
            "WRONGTYPE" => new RedisWrongTypeException(message),
            "BUSY" => new RedisBusyException(message),
            "LOADING" => new RedisLoadingException(message),
            "NOAUTH" or "WRONGPASS" or "NOPERM" => new RedisAuthenticationException(prefix, message),
            "READONLY" => new RedisReadOnlyException(message),
            "OOM" => new RedisOutOfMemoryException(message),
            _ => new RedisServerException(prefix, message),
        };
    }
}

/// <summary>EVALSHA named a script the server does not have (<c>NOSCRIPT</c>).</summary>
public sealed class RedisNoScriptException(string message) : RedisServerException("NOSCRIPT", message);

/// <summary>The command was applied to a key holding another type (<c>WRONGTYPE</c>).</summary>
public sealed class RedisWrongTypeException(string message) : RedisServerException("WRONGTYPE", message);

/// <summary>The server is running a script that blocks it (<c>BUSY</c>).</summary>
public sealed class RedisBusyException(string message) : RedisServerException("BUSY", message);

/// <summary>The server is still loading its dataset (<c>LOADING</c>); retry later.</summary>
public sealed class RedisLoadingException(string message) : RedisServerException("LOADING", message);

/// <summary>Authentication is required, failed or lacks permission (<c>NOAUTH</c>, <c>WRONGPASS</c>, <c>NOPERM</c>).</summary>
public sealed class RedisAuthenticationException(string prefix, string message) : RedisServerException(prefix, message);

/// <summary>The server is a read-only replica (<c>READONLY</c>).</summary>
public sealed class RedisReadOnlyException(string message) : RedisServerException("READONLY", message);

/// <summary>The server is out of memory under its maxmemory policy (<c>OOM</c>).</summary>
public sealed class RedisOutOfMemoryException(string message) : RedisServerException("OOM", message);
