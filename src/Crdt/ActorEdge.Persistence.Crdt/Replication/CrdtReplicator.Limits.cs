using System.Text;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

internal sealed partial class CrdtReplicator
{
    /// <summary>An upper bound of the fields around one delta or state in a message (headers, lengths, numbers).</summary>
    private const int RecordOverheadBytes = 64;

    /// <summary>
    /// The most bytes of a replication request's or response's payload: the transport closes a
    /// connection on a frame larger than MessagingOptions.MaxMessageSize, so replication keeps
    /// CrdtReplicationOptions.TransportHeadroomBytes of it for the frame.
    /// </summary>
    private int PayloadLimit { get; }

    /// <summary>The payload bytes left for deltas or states once a request's envelope (origin, session, sequence numbers) is written.</summary>
    private long RecordBudget => PayloadLimit - (long)Encoding.UTF8.GetMaxByteCount(ReplicaId.Length) - RecordOverheadBytes;

    /// <summary>An upper bound of a delta's bytes in a batch, its key and type included (as when a session defines the key).</summary>
    private static long DeltaWireBound(DeltaRecord record) =>
        (long)record.Delta.Length + Encoding.UTF8.GetMaxByteCount(record.Key.Length) + Encoding.UTF8.GetMaxByteCount(record.Type.Length) + RecordOverheadBytes;

    private static byte[] EncodeState(uint field, StateRecord state) => ReplicationCodec.Encode((ref Writer w) => ReplicationCodec.WriteState(ref w, field, state));

    /// <summary>
    /// Encodes <paramref name="states"/> as field <paramref name="field"/> and groups them, whole and in
    /// order, into pages of at most <paramref name="budget"/> bytes (at least one page, maybe empty).
    /// A state larger than the budget alone is passed to <paramref name="oversized"/> and left out, or
    /// fails the whole call when that is null (a full sync must not leave a state out).
    /// </summary>
    private List<List<byte[]>> PageStates(List<StateRecord> states, uint field, long budget, Action<StateRecord, int>? oversized = null)
    {
        var pages = new List<List<byte[]>> { new() };
        long used = 0;
        foreach (var state in states)
        {
            var encoded = EncodeState(field, state);
            if (encoded.Length > budget)
            {
                if (oversized is null)
                {
                    throw StateTooLarge(state.Key, encoded.Length, budget);
                }
                oversized(state, encoded.Length);
                continue;
            }
            if (used + encoded.Length > budget)
            {
                pages.Add([]);
                used = 0;
            }
            pages[^1].Add(encoded);
            used += encoded.Length;
        }
        return pages;
    }

    private CrdtStorageException StateTooLarge(string key, int bytes, long budget) =>
        new($"The state of '{key}' is {bytes} bytes encoded, more than the {budget} bytes one replication message can carry (MessagingOptions.MaxMessageSize minus {CrdtReplicationOptions.TransportHeadroomBytes} bytes of headroom and the request's envelope): it cannot be sent to a peer.");

    private void SkipOversizedState(StateRecord state, int bytes) => LogWarningStateTooLarge(_logger, state.Key, bytes, RecordBudget);

    private static void WritePieces(ref Writer w, List<byte[]> pieces)
    {
        foreach (var piece in pieces)
        {
            w.WriteRaw(piece);
        }
    }
}
