using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Crdt.Replication;

internal sealed partial class CrdtReplicator
{
    [LoggerMessage(Level = LogLevel.Information, Message = "CRDT replica {Replica} recovered {Keys} keys from {Records} journal records (local sequence {Sequence})")]
    private static partial void LogInformationRecovered(ILogger logger, string replica, int keys, int records, ulong sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The CRDT journal {Path} ended in a torn or corrupt record: {Bytes} bytes were cut")]
    private static partial void LogWarningJournalTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "CRDT replica {Replica} replicates with {Silo}")]
    private static partial void LogInformationPeerAdded(ILogger logger, string replica, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "CRDT replica {Replica} stopped replicating with {Silo}")]
    private static partial void LogInformationPeerRemoved(ILogger logger, string replica, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "CRDT replica {Replica} sends its full state ({Keys} keys, {Requests} requests) to {Silo}: the deltas it lacks are no longer logged")]
    private static partial void LogInformationFullSync(ILogger logger, string replica, SiloAddress silo, int keys, int requests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRDT state {Key} is {Bytes} bytes encoded, more than the {Limit} bytes a replication message can carry: anti-entropy skips it")]
    private static partial void LogWarningStateTooLarge(ILogger logger, string key, int bytes, long limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "CRDT replica {Replica} bootstrapped {Keys} keys from {Silo}")]
    private static partial void LogInformationBootstrapped(ILogger logger, string replica, SiloAddress silo, int keys);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CRDT anti-entropy: replica {Replica} took {Keys} states from {Silo}")]
    private static partial void LogDebugRepaired(ILogger logger, string replica, SiloAddress silo, int keys);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CRDT deltas from {Origin} skipped: delivered up to {Delivered}, the batch starts at {First}")]
    private static partial void LogDebugGap(ILogger logger, string origin, ulong delivered, ulong first);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CRDT replication with {Silo} failed: {Reason}")]
    private static partial void LogDebugSendFailed(ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CRDT catch-up: asking the peers for '{Key}' failed: {Reason}")]
    private static partial void LogDebugRefreshFailed(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRDT: journaling the state of '{Key}' carried by a migration hand-over failed (its source still holds it, and redelivers its deltas)")]
    private static partial void LogWarningHandOverJournalFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CRDT replica {Replica} dropped {Keys} cleared keys every peer has seen cleared")]
    private static partial void LogDebugKeysDropped(ILogger logger, string replica, int keys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRDT journal compaction failed; the journal stays as it is and compaction is tried again")]
    private static partial void LogWarningCompactionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "CRDT replica {Replica} stopped: its journal could not be written, so it takes no more updates and serves no reads until the silo restarts")]
    private static partial void LogErrorJournalFailed(ILogger logger, string replica, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRDT replication maintenance failed")]
    private static partial void LogWarningMaintenanceFailed(ILogger logger, Exception exception);
}
