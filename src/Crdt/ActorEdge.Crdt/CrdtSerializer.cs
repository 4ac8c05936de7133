using System.Buffers;
using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// The versioned wire format of CRDT states and deltas (format version 3): one byte of format
/// version and flags, one byte of type tag, then the body's tagged fields closed by an end-of-object
/// marker (three bytes of envelope in all). Within one value a replica id is written once and
/// referred to by its index afterwards; a delta may leave its origin's id out entirely (flag 0x40:
/// replica #0 is the origin, which the reader must be given, as replication and the journal know it).
/// A causal context leaves out the dots its entries carry (each entry's own, and the earlier dot of
/// the same replica it replaced, as a difference in the entry), so the delta of an update writes no
/// context; an ORMap writes each key once with its dots and value; counters write replica and count
/// as flat field pairs.
/// Body fields are tagged, so a later writer may add fields older readers skip, except fields holding
/// replica ids (skipping one would shift the references after it): those need a new format version.
/// Input that is truncated, has trailing bytes, is of another type or format version (versions 1
/// and 2 of earlier builds included), or is semantically impossible (a dot with counter 0, a key
/// twice, a reference to an unknown replica, a count without its replica) throws
/// <see cref="SerializationException"/> naming the reason.
/// </summary>
public static class CrdtSerializer
{
    /// <summary>The format version written (and the only one read).</summary>
    public const uint FormatVersion = 3;

    private const byte ImpliedReplicaFlag = 0x40;
    private const byte VersionMask = 0x3F;

    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Serialize<T>(T value, IBufferWriter<byte> output) where T : class, ICrdt<T> => Serialize(value, output, null);

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="output"/>; when <paramref name="impliedReplica"/>
    /// is given (a delta's origin), its id is not written and the reader must pass the same id.
    /// </summary>
    public static void Serialize<T>(T value, IBufferWriter<byte> output, string? impliedReplica) where T : class, ICrdt<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        var enclosing = CrdtWire.BeginReplicaScope(impliedReplica);
        try
        {
            var w = new Writer(output);
            w.WriteByte((byte)(FormatVersion | (impliedReplica is null ? 0u : ImpliedReplicaFlag)));
            w.WriteByte(T.TypeTag);
            value.WriteBody(ref w);
            w.WriteEndObject();
            w.Commit();
        }
        finally
        {
            CrdtWire.EndReplicaScope(enclosing);
        }
    }

    /// <summary>The bytes of <paramref name="value"/>.</summary>
    public static byte[] SerializeToArray<T>(T value) where T : class, ICrdt<T> => SerializeToArray(value, null);

    /// <summary>The bytes of <paramref name="value"/>, leaving out <paramref name="impliedReplica"/> (see <see cref="Serialize{T}(T, IBufferWriter{byte}, string?)"/>).</summary>
    public static byte[] SerializeToArray<T>(T value, string? impliedReplica) where T : class, ICrdt<T>
    {
        using var output = new PooledBuffer();
        Serialize(value, output, impliedReplica);
        return output.ToArray();
    }

    /// <summary>Reads a value written by <see cref="Serialize{T}(T, IBufferWriter{byte})"/>.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> data) where T : class, ICrdt<T> => Deserialize<T>(data, null);

    /// <summary>Reads a value; <paramref name="impliedReplica"/> is the id the writer left out, if it did (a delta's origin).</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> data, string? impliedReplica) where T : class, ICrdt<T>
    {
        if (data.Length < 3)
        {
            throw new SerializationException($"CRDT data of {data.Length} byte(s) is truncated: a {typeof(T).Name} takes at least 3.");
        }
        var version = data[0] & VersionMask;
        if (version != FormatVersion || (data[0] & 0x80) != 0)
        {
            // Version 1 began with the tagged field 0 (header byte 0x00) holding the version 1.
            var named = data[0] == 0 && data[1] == 1 ? 1 : version;
            throw new SerializationException($"CRDT data of format version {named} (first byte 0x{data[0]:X2}); this reader knows version {FormatVersion} only (data from an incompatible build, or not CRDT data).");
        }
        if (data[1] != T.TypeTag)
        {
            throw new SerializationException($"CRDT data of type tag {data[1]} read as {typeof(T).Name} (tag {T.TypeTag}).");
        }
        var implied = (data[0] & ImpliedReplicaFlag) != 0;
        if (implied && string.IsNullOrEmpty(impliedReplica))
        {
            throw new SerializationException($"CRDT data for {typeof(T).Name} leaves its origin's replica id out, and the reader was not given it.");
        }
        var enclosing = CrdtWire.BeginReplicaScope(implied ? impliedReplica : null);
        try
        {
            var r = new Reader(data[2..]);
            r.EnterObject(WireType.StartObject);
            var result = T.ReadBody(ref r);
            return r.End ? result : throw new SerializationException($"CRDT data for {typeof(T).Name} has {data.Length - 2 - r.Position} trailing byte(s).");
        }
        catch (Exception e) when (e is not SerializationException)
        {
            throw new SerializationException($"Malformed {typeof(T).Name} data: {e.Message}", e);
        }
        finally
        {
            CrdtWire.EndReplicaScope(enclosing);
        }
    }
}
