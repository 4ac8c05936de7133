using System.Net.Security;
using System.Text;

namespace ActorEdge.Redis;

/// <summary>The RESP protocol version a connection speaks.</summary>
public enum RedisProtocol
{
    /// <summary>RESP2, understood by every Redis-compatible server.</summary>
    Resp2 = 2,

    /// <summary>RESP3, negotiated with <c>HELLO 3</c> (Redis 6 and later, Garnet).</summary>
    Resp3 = 3,
}

/// <summary>Where and how a <see cref="RedisConnection"/> connects.</summary>
public sealed class RedisClientOptions
{
    /// <summary>The server's host name or address. <value>Default "localhost".</value></summary>
    public string Host { get; set; } = "localhost";

    /// <summary>The server's port. <value>Default 6379.</value></summary>
    public int Port { get; set; } = 6379;

    /// <summary>The ACL user for <c>AUTH</c>; null for the default user. <value>Default null.</value></summary>
    public string? User { get; set; }

    /// <summary>The password for <c>AUTH</c>; null for none. <value>Default null.</value></summary>
    public string? Password { get; set; }

    /// <summary>The database selected with <c>SELECT</c> on every (re)connection. <value>Default 0.</value></summary>
    public int Database { get; set; }

    /// <summary>The protocol version. <value>Default <see cref="RedisProtocol.Resp2"/>.</value></summary>
    public RedisProtocol Protocol { get; set; } = RedisProtocol.Resp2;

    /// <summary>A name set with <c>CLIENT SETNAME</c> (shown by <c>CLIENT LIST</c>); null for none. <value>Default null.</value></summary>
    public string? ClientName { get; set; }

    /// <summary>Whether to wrap the connection in TLS. <value>Default false.</value></summary>
    public bool UseTls { get; set; }

    /// <summary>The host name the server's certificate must match; null to use <see cref="Host"/>. <value>Default null.</value></summary>
    public string? TlsHostName { get; set; }

    /// <summary>Validates the server's certificate; null for the system's default validation. <value>Default null.</value></summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>How long a connection attempt (TCP, TLS and handshake) may take. <value>Default 5 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a command may wait for its reply, including time spent waiting for a reconnection.
    /// <value>Default 5 seconds.</value>
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first delay before reconnecting; it doubles per failed attempt. <value>Default 50 ms.</value></summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest delay between reconnection attempts. <value>Default 5 seconds.</value></summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The largest reply accepted, in bytes (one bulk string, or a whole aggregate reply). A larger
    /// reply fails its command with a <see cref="RedisProtocolException"/> and resets the connection.
    /// <value>Default 512 MiB, Redis's own largest bulk string.</value>
    /// </summary>
    public int MaxReplyBytes { get; set; } = 512 * 1024 * 1024;

    /// <summary>The clock for timeouts and reconnection delays. <value>Default <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Returns a copy of these options.</summary>
    public RedisClientOptions Clone() => (RedisClientOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> if an option is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("RedisClientOptions.Host must be set.");
        }
        if (Port is <= 0 or > 65535)
        {
            throw new ArgumentException($"RedisClientOptions.Port must be between 1 and 65535 (was {Port}).");
        }
        if (Database < 0)
        {
            throw new ArgumentException($"RedisClientOptions.Database must not be negative (was {Database}).");
        }
        if (ConnectTimeout <= TimeSpan.Zero || CommandTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RedisClientOptions.ConnectTimeout and CommandTimeout must be positive.");
        }
        if (ReconnectMinDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectMinDelay)
        {
            throw new ArgumentException("RedisClientOptions.ReconnectMinDelay must be positive and at most ReconnectMaxDelay.");
        }
        if (MaxReplyBytes < 1024)
        {
            throw new ArgumentException($"RedisClientOptions.MaxReplyBytes must be at least 1024 (was {MaxReplyBytes}).");
        }
        if (User is not null && Password is null)
        {
            throw new ArgumentException("RedisClientOptions.User needs a Password.");
        }
    }

    /// <summary>The endpoint as <c>host:port</c>.</summary>
    public string EndPointText => $"{Host}:{Port}";

    /// <summary>The options, with the password redacted (safe to log).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Host=").Append(Host).Append(", Port=").Append(Port)
            .Append(", User=").Append(User ?? "(default)")
            .Append(", Password=").Append(Password is null ? "(none)" : "***")
            .Append(", Database=").Append(Database)
            .Append(", Protocol=").Append(Protocol)
            .Append(", UseTls=").Append(UseTls)
            .Append(", ConnectTimeout=").Append(ConnectTimeout)
            .Append(", CommandTimeout=").Append(CommandTimeout);
        return text.ToString();
    }
}
