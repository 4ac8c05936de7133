using ActorEdge.Crdt;
using ActorEdge.Hosting;
using ActorEdge.Persistence.Crdt.Replication;
using Microsoft.Extensions.Options;

namespace ActorEdge.Persistence.Crdt;

/// <summary>How a silo replicates CRDT state to the other silos (one replicator per silo, shared by every CRDT storage provider).</summary>
public sealed class CrdtReplicationOptions
{
    /// <summary>
    /// The folder of the durable journal (append-only, fsync'd, CRC per record) from which a
    /// restarted silo recovers its replicas and its replica id. Null keeps replicas in memory only:
    /// a restarted silo then starts as a new replica and bootstraps from a neighbour.
    /// <value>Default null.</value>
    /// </summary>
    public string? JournalDirectory { get; set; }

    /// <summary>
    /// How long a link waits before it retries a failed send or probes an idle peer. Deltas are
    /// sent as soon as they are durable; updates made while a send is in flight go in the next batch.
    /// <value>Default 50 ms.</value>
    /// </summary>
    public TimeSpan SendInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the silo exchanges digests (per-key version vectors) with one peer, round robin. <value>Default 1 s.</value></summary>
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The timeout of one replication request. <value>Default 5 s.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Local deltas kept for retransmission to peers that have not acknowledged them; a peer
    /// further behind receives the full state instead. <value>Default 10 000.</value>
    /// </summary>
    public int DeltaLogCapacity { get; set; } = 10_000;

    /// <summary>The most deltas sent in one request. <value>Default 256.</value></summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// The most delta bytes sent in one request (a request always carries at least one delta).
    /// Replication shares the silo-to-silo connections with grain calls and migration hand-overs,
    /// which wait behind a request on the wire: with large states, a batch of <see cref="MaxBatchSize"/>
    /// deltas could hold them up for a long time. <value>Default 1 MiB.</value>
    /// </summary>
    /// <remarks>
    /// Must be at most <see cref="MessagingOptions.MaxMessageSize"/> minus <see cref="TransportHeadroomBytes"/>
    /// (checked at start): a larger frame makes the peer close the connection. At send time a batch is
    /// also cut so that its encoding (deltas with their keys and numbers) stays within that limit.
    /// </remarks>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The bytes of <see cref="MessagingOptions.MaxMessageSize"/> that replication leaves for the
    /// message frame (length prefix, header with silo addresses, ids and trace context): the payload
    /// of a replication request or response is at most MaxMessageSize minus this. A local update whose
    /// delta does not fit is refused; a full sync, a bootstrap or an anti-entropy repair larger than that
    /// is sent in several requests of whole states. <value>16 KiB.</value>
    /// </summary>
    public const int TransportHeadroomBytes = 16 * 1024;

    /// <summary>
    /// The journal is replaced by a snapshot of the replicas (temporary file, fsync, rename) when it
    /// grows past this size and past twice the last snapshot, while running and at start, so it stays
    /// within max(this, 2 × live state) plus one group commit. <value>Default 64 MiB.</value>
    /// </summary>
    public long JournalCompactionBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// How long a replica remembers a dropped key (its version, no value) after key GC dropped it:
    /// a cleared grain state is dropped from replicas and journal once every current peer has seen
    /// it cleared; the marker keeps older copies from coming back. A silo away for longer than this
    /// that still holds an older copy of the key may bring it back. <value>Default 24 h.</value>
    /// </summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The silos that hold replicas (the candidate nodes); null means every active silo (the
    /// membership view). A silo replicates only with active silos in scope, refuses replication
    /// requests from silos outside it, and replicates with nobody when it is outside the scope
    /// itself (its CRDT states then stay local). Give every silo the same scope. <value>Default null.</value>
    /// </summary>
    public Func<SiloAddress, bool>? ReplicationScope { get; set; }

    internal CrdtTypeRegistry Types { get; } = CrdtTypeRegistry.CreateWithBuiltIns();

    /// <summary>
    /// Registers a CRDT type under a name used on the wire, so that every silo can merge replicas
    /// of it (use the same name on every silo). Built in: gcounter, pncounter, the registers, sets
    /// and maps of strings, and ormap:string:gcounter / ormap:string:pncounter.
    /// </summary>
    /// <remarks>
    /// A local update that is refused (its mutator throws, or its delta is larger than one message)
    /// changes nothing. To guarantee that, a type that implements <see cref="IRevertibleCrdt"/> records
    /// and undoes only what the update changed; any other type is copied whole (<c>Clone</c>) before
    /// every update, which costs the size of the state.
    /// </remarks>
    public CrdtReplicationOptions RegisterType<T>(string name) where T : class, ICrdt<T>
    {
        Types.Register<T>(name);
        return this;
    }
}

internal sealed class CrdtReplicationOptionsValidator(IOptions<MessagingOptions> messaging) : IValidateOptions<CrdtReplicationOptions>
{
    public ValidateOptionsResult Validate(string? name, CrdtReplicationOptions options)
    {
        var failures = new List<string>();
        var maxMessageSize = messaging.Value.MaxMessageSize;
        var payloadLimit = (long)maxMessageSize - CrdtReplicationOptions.TransportHeadroomBytes;
        if (options.MaxBatchBytes <= 0)
        {
            failures.Add("CrdtReplicationOptions.MaxBatchBytes must be positive.");
        }
        else if (options.MaxBatchBytes > payloadLimit)
        {
            failures.Add(payloadLimit <= 0
                ? $"MessagingOptions.MaxMessageSize ({maxMessageSize} bytes) leaves no room for CRDT replication: it must be larger than {CrdtReplicationOptions.TransportHeadroomBytes} bytes (CrdtReplicationOptions.TransportHeadroomBytes) plus CrdtReplicationOptions.MaxBatchBytes."
                : $"CrdtReplicationOptions.MaxBatchBytes ({options.MaxBatchBytes} bytes) must be at most {payloadLimit} bytes: MessagingOptions.MaxMessageSize ({maxMessageSize}) minus {CrdtReplicationOptions.TransportHeadroomBytes} bytes of headroom for the message frame; a larger batch would not fit in one message and the peer would close the connection.");
        }
        if (options.SendInterval <= TimeSpan.Zero)
        {
            failures.Add("CrdtReplicationOptions.SendInterval must be positive.");
        }
        if (options.AntiEntropyInterval <= TimeSpan.Zero)
        {
            failures.Add("CrdtReplicationOptions.AntiEntropyInterval must be positive.");
        }
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add("CrdtReplicationOptions.RequestTimeout must be positive.");
        }
        if (options.DeltaLogCapacity < 1 || options.MaxBatchSize < 1)
        {
            failures.Add("CrdtReplicationOptions.DeltaLogCapacity and MaxBatchSize must be at least 1.");
        }
        if (options.JournalCompactionBytes < 1)
        {
            failures.Add("CrdtReplicationOptions.JournalCompactionBytes must be positive.");
        }
        if (options.TombstoneRetention < TimeSpan.Zero)
        {
            failures.Add("CrdtReplicationOptions.TombstoneRetention must not be negative.");
        }
        if (options.JournalDirectory is { Length: 0 })
        {
            failures.Add("CrdtReplicationOptions.JournalDirectory must be null or a path.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
