using System.Diagnostics.Metrics;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>CRDT replication instruments, on the process-wide Meter "ActorEdge".</summary>
internal static class CrdtInstruments
{
    public static readonly Meter Meter = new("ActorEdge", "1.0");

    public static readonly Histogram<double> ReplicationLag = Meter.CreateHistogram<double>(
        "actoredge.crdt.replication.lag", unit: "ms", description: "Time from a delta's creation at its origin (HLC wall clock) to its application at a peer.");

    public static readonly Histogram<long> DeltaBytes = Meter.CreateHistogram<long>(
        "actoredge.crdt.update.delta_bytes", unit: "By", description: "Encoded size of the delta of one local update.");

    public static readonly Histogram<long> StateBytes = Meter.CreateHistogram<long>(
        "actoredge.crdt.update.state_bytes", unit: "By", description: "Encoded size of the full state after one local update (what state-based replication would send).");

    public static readonly Counter<long> BytesSent = Meter.CreateCounter<long>(
        "actoredge.crdt.replication.bytes_sent", unit: "By", description: "Replication payload bytes sent, by kind (delta, full, digest).");

    public static readonly Counter<long> DotOnlySent = Meter.CreateCounter<long>(
        "actoredge.crdt.replication.dot_only", description: "Deltas sent as their dot alone: a later delta of their key in the same request holds the whole state.");

    public static readonly Counter<long> KeysDropped = Meter.CreateCounter<long>(
        "actoredge.crdt.keys.dropped", description: "Cleared keys dropped from a replica and its journal once every peer had seen them cleared.");

    public static readonly Counter<long> Gaps = Meter.CreateCounter<long>(
        "actoredge.crdt.replication.gaps", description: "Delta batches refused because deltas before them were missing (the sender resends or sends full state).");
}
