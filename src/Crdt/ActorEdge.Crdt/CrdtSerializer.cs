using System.Buffers;
using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>
/// The versioned wire format of CRDT states and deltas (format version 2): one byte of format
/// version, one byte of type tag, then the body's tagged fields closed by an end-of-object marker
/// (three bytes of envelope in all). Within one value a replica id is written once and referred to
/// by its index afterwards. Body fields are tagged, so a later writer may add fields older readers
/// skip, except fields holding replica ids (skipping one would shift the references after it): those
/// need a new format version. Input that is truncated, has trailing bytes, is of another type or
/// format version (version 1, the nested envelope of earlier builds, included), or is semantically
/// impossible (a dot with counter 0, a key twice, a reference to an unknown replica) throws
/// <see cref="SerializationException"/> naming the reason.
/// </summary>
public static class CrdtSerializer
{
    /// <summary>The format version written (and the only one read).</summary>
    public const uint FormatVersion = 2;

    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Serialize<T>(T value, IBufferWriter<byte> output) where T : class, ICrdt<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        var enclosing = CrdtWire.BeginReplicaScope();
        try
        {
            var w = new Writer(output);
            w.WriteByte((byte)FormatVersion);
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
    public static byte[] SerializeToArray<T>(T value) where T : class, ICrdt<T>
    {
        var output = new ArrayBufferWriter<byte>(64);
        Serialize(value, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads a value written by <see cref="Serialize{T}"/>.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> data) where T : class, ICrdt<T>
    {
        if (data.Length < 3)
        {
            throw new SerializationException($"CRDT data of {data.Length} byte(s) is truncated: a {typeof(T).Name} takes at least 3.");
        }
        if (data[0] != FormatVersion)
        {
            // Version 1 began with the tagged field 0 (header byte 0x00) holding the version 1.
            var version = data[0] == 0 && data[1] == 1 ? 1u : data[0];
            throw new SerializationException($"CRDT data of format version {version}; this reader knows version {FormatVersion} only (data from an incompatible build, or not CRDT data).");
        }
        if (data[1] != T.TypeTag)
        {
            throw new SerializationException($"CRDT data of type tag {data[1]} read as {typeof(T).Name} (tag {T.TypeTag}).");
        }
        var enclosing = CrdtWire.BeginReplicaScope();
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
