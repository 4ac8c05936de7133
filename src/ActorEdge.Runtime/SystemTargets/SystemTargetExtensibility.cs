namespace ActorEdge.Runtime;

/// <summary>
/// A silo service that other silos reach with system requests (for example a replication
/// endpoint of a storage provider). Register implementations as singletons of this interface;
/// the silo resolves them when it starts and routes each system request by <see cref="Id"/>.
/// </summary>
/// <remarks>
/// Ids below <see cref="SystemTargetIdRange.FirstExtensionId"/> belong to the runtime. Two
/// targets with the same id fail the silo's start. Handlers run on the thread pool, concurrently.
/// </remarks>
public interface ISystemTarget
{
    /// <summary>The id requests address.</summary>
    uint Id { get; }

    /// <summary>
    /// Answers one request. <paramref name="payload"/> is valid until the returned task completes;
    /// the returned bytes are the response payload (empty for none). An exception is relayed to
    /// the caller (rebuilt as its own type when the caller knows it, else as a <see cref="RemoteGrainException"/>).
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>> HandleAsync(SiloAddress? sender, uint method, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}

/// <summary>The ids that extensions may give their <see cref="ISystemTarget"/>s.</summary>
public static class SystemTargetIdRange
{
    /// <summary>The first id available to extensions; lower ids are the runtime's.</summary>
    public const uint FirstExtensionId = 256;
}

/// <summary>
/// What a silo extension needs to talk to its counterparts on other silos: who is in the
/// cluster (the membership view), and system requests to one silo. Resolve it from the silo's
/// services; members other than <see cref="IsStarted"/> need a started silo.
/// </summary>
public interface ISiloMessenger
{
    /// <summary>Whether the silo has started (its address and membership view exist).</summary>
    bool IsStarted { get; }

    /// <summary>This silo.</summary>
    SiloAddress LocalSilo { get; }

    /// <summary>
    /// The silos the membership view considers active, this one included, sorted by address;
    /// it changes as silos join and die.
    /// </summary>
    IReadOnlyList<SiloAddress> ActiveSilos { get; }

    /// <summary>
    /// Sends a system request to <paramref name="target"/> and returns the response payload.
    /// Fails with <see cref="TimeoutException"/> after <paramref name="timeout"/> (the silo's
    /// call timeout when null), <see cref="SiloUnavailableException"/> when the silo dies, or
    /// with the handler's exception when it threw.
    /// </summary>
    Task<byte[]> SendAsync(SiloAddress target, uint systemTarget, uint method, ReadOnlyMemory<byte> payload, TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}
