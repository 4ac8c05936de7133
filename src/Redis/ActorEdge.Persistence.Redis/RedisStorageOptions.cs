using System.Text;
using ActorEdge.Redis;
using Microsoft.Extensions.Options;

namespace ActorEdge.Persistence.Redis;

/// <summary>Options of a Redis grain storage provider (named by the provider's name).</summary>
public sealed class RedisStorageOptions
{
    /// <summary>The server's host name or address. <value>Default "localhost".</value></summary>
    public string Host { get; set; } = "localhost";

    /// <summary>The server's port. <value>Default 6379.</value></summary>
    public int Port { get; set; } = 6379;

    /// <summary>The ACL user; null for the default user. <value>Default null.</value></summary>
    public string? User { get; set; }

    /// <summary>The password; null for none. Never logged. <value>Default null.</value></summary>
    public string? Password { get; set; }

    /// <summary>The database number. <value>Default 0.</value></summary>
    public int Database { get; set; }

    /// <summary>Whether to connect with TLS. <value>Default false.</value></summary>
    public bool UseTls { get; set; }

    /// <summary>How long a command may take, including waiting for a reconnection. <value>Default 5 seconds.</value></summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a connection attempt may take. <value>Default 5 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Prepended to every key, before <c>{serviceId}/{grainType}/{key}/{stateName}</c>, to keep
    /// deployments that share a server apart. <value>Default "" (keys start with the service id).</value>
    /// </summary>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>
    /// When set, a state expires this long after its last write (PEXPIRE on every write); null keeps
    /// states until cleared. <value>Default null.</value>
    /// </summary>
    public TimeSpan? EntryExpiry { get; set; }

    /// <summary>
    /// Whether clearing a state deletes its hash; when false the hash keeps its <c>etag</c> field
    /// without <c>data</c> (a tombstone, read as "no record"). <value>Default true.</value>
    /// </summary>
    public bool DeleteStateOnClear { get; set; } = true;

    /// <summary>The largest serialized state accepted by a write; larger writes throw <see cref="RedisStorageException"/>. <value>Default 64 MiB.</value></summary>
    public int MaxStateBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// How long a command keeps being retried while a restarted server answers LOADING (it has not
    /// executed it). <value>Default 10 seconds.</value>
    /// </summary>
    public TimeSpan LoadingRetryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Further settings of the client (protocol, reconnection, TLS validation...), applied last.</summary>
    public Action<RedisClientOptions>? ConfigureClient { get; set; }

    /// <summary>The client options these storage options describe.</summary>
    public RedisClientOptions ToClientOptions()
    {
        var options = new RedisClientOptions
        {
            Host = Host,
            Port = Port,
            User = User,
            Password = Password,
            Database = Database,
            UseTls = UseTls,
            CommandTimeout = CommandTimeout,
            ConnectTimeout = ConnectTimeout,
            // A reply holds at most one state plus its ETag.
            MaxReplyBytes = (int)Math.Min(int.MaxValue, (long)MaxStateBytes + 4096),
        };
        ConfigureClient?.Invoke(options);
        return options;
    }

    /// <summary>The options with the password redacted (what the provider logs).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Host=").Append(Host).Append(", Port=").Append(Port)
            .Append(", User=").Append(User ?? "(default)")
            .Append(", Password=").Append(Password is null ? "(none)" : "***")
            .Append(", Database=").Append(Database)
            .Append(", UseTls=").Append(UseTls)
            .Append(", KeyPrefix=").Append(KeyPrefix)
            .Append(", EntryExpiry=").Append(EntryExpiry?.ToString() ?? "(none)")
            .Append(", DeleteStateOnClear=").Append(DeleteStateOnClear)
            .Append(", MaxStateBytes=").Append(MaxStateBytes)
            .Append(", CommandTimeout=").Append(CommandTimeout);
        return text.ToString();
    }
}

internal sealed class RedisStorageOptionsValidator : IValidateOptions<RedisStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStorageOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add($"RedisStorageOptions.Host of storage '{name}' must be set.");
        }
        if (options.Port is <= 0 or > 65535)
        {
            errors.Add($"RedisStorageOptions.Port of storage '{name}' must be between 1 and 65535 (was {options.Port}).");
        }
        if (options.LoadingRetryTimeout < TimeSpan.Zero)
        {
            errors.Add($"RedisStorageOptions.LoadingRetryTimeout of storage '{name}' must not be negative.");
        }
        if (options.Database < 0)
        {
            errors.Add($"RedisStorageOptions.Database of storage '{name}' must not be negative.");
        }
        if (options.CommandTimeout <= TimeSpan.Zero || options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"RedisStorageOptions.CommandTimeout and ConnectTimeout of storage '{name}' must be positive.");
        }
        if (options.EntryExpiry is { } expiry && expiry < TimeSpan.FromMilliseconds(1))
        {
            errors.Add($"RedisStorageOptions.EntryExpiry of storage '{name}' must be at least 1 ms, or null for none.");
        }
        if (options.MaxStateBytes <= 0)
        {
            errors.Add($"RedisStorageOptions.MaxStateBytes of storage '{name}' must be positive.");
        }
        if (options.User is not null && options.Password is null)
        {
            errors.Add($"RedisStorageOptions.User of storage '{name}' needs a Password.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
