using ActorEdge.Etcd;
using Microsoft.Extensions.Options;

namespace ActorEdge.Clustering.Etcd;

/// <summary>Options of etcd membership and grain directory.</summary>
public sealed class EtcdClusteringOptions
{
    /// <summary>The etcd client: endpoints, credentials, TLS, deadlines.</summary>
    public EtcdClientOptions Client { get; } = new();

    /// <summary>
    /// The prefix of the cluster's keys: <c>{KeyPrefix}/members/…</c>, <c>/alive/…</c>,
    /// <c>/dead/…</c> and <c>/directory/…</c>. <value>Default null: <c>actoredge-cluster/{ClusterId}</c>.</value>
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// The TTL of the silo's lease: a silo that stops renewing it (crash, partition) is dead, and
    /// its directory entries are deleted, this long after its last renewal. etcd rounds up to whole seconds.
    /// <value>Default 10 seconds.</value>
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the membership keys of a dead silo are kept (as a record, and so that a silo
    /// declared dead learns it on its next heartbeat) before a silo reading the table deletes them.
    /// <value>Default 1 hour.</value>
    /// </summary>
    public TimeSpan DefunctSiloRetention { get; set; } = DefaultDefunctSiloRetention;

    /// <summary>
    /// Whether each silo watches the grain directory and drops the cached lookups that another
    /// silo changed (a grain re-activated or migrated elsewhere), instead of learning it from a
    /// forwarded call. <value>Default true.</value>
    /// </summary>
    /// <remarks>Every silo then receives every directory write (one small event each).</remarks>
    public bool WatchDirectory { get; set; } = true;

    internal static TimeSpan DefaultDefunctSiloRetention { get; } = TimeSpan.FromHours(1);

    /// <inheritdoc />
    public override string ToString() => $"KeyPrefix={KeyPrefix ?? "(cluster id)"}, LeaseTtl={LeaseTtl}, DefunctSiloRetention={DefunctSiloRetention}, WatchDirectory={WatchDirectory}, {Client}";
}

/// <summary>Checks <see cref="EtcdClusteringOptions"/> at silo start.</summary>
internal sealed class EtcdClusteringOptionsValidator : IValidateOptions<EtcdClusteringOptions>
{
    public ValidateOptionsResult Validate(string? name, EtcdClusteringOptions options)
    {
        var errors = new List<string>();
        try
        {
            options.Client.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }
        if (options.KeyPrefix is { Length: 0 })
        {
            errors.Add("EtcdClusteringOptions.KeyPrefix must not be empty (null uses the cluster id).");
        }
        if (options.LeaseTtl < TimeSpan.FromSeconds(1))
        {
            errors.Add("EtcdClusteringOptions.LeaseTtl must be at least 1 second.");
        }
        if (options.DefunctSiloRetention < options.LeaseTtl)
        {
            errors.Add("EtcdClusteringOptions.DefunctSiloRetention must be at least LeaseTtl.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
