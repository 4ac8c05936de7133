using System.Buffers;
using System.Runtime.CompilerServices;
using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>Shared pieces of the CRDT encodings.</summary>
internal static class CrdtWire
{
    // Encoding and decoding are synchronous, so the table of the value being read or written is per thread.
    [ThreadStatic]
    private static ReplicaTable? _replicas;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            Reader.ThrowUnexpectedWireType(expected, actual);
        }
    }

    public static void WriteString(ref Writer w, uint field, string value)
    {
        w.WriteFieldHeader(field, WireType.LengthPrefixed);
        w.WriteUtf8(value);
    }

    public static string ReadString(ref Reader r, WireType wireType)
    {
        Expect(wireType, WireType.LengthPrefixed);
        return r.ReadUtf8();
    }

    public static ulong ReadUInt64(ref Reader r, WireType wireType)
    {
        Expect(wireType, WireType.VarInt);
        return r.ReadVarUInt64();
    }

    /// <summary>
    /// Writes a replica id. Inside <see cref="CrdtSerializer"/> a value keeps a table of the replica
    /// ids written so far: the first occurrence is the string (wire type LengthPrefixed), later
    /// ones its index in the table (VarInt), so a dot repeated in an entry and its context, or the
    /// same replica in a counter and a dot, costs one or two bytes. Outside a serializer scope
    /// (a causal context encoded on its own) the string is always written.
    /// </summary>
    public static void WriteReplica(ref Writer w, uint field, string replica)
    {
        var table = _replicas;
        if (table is not null && table.Index.TryGetValue(replica, out var index))
        {
            w.WriteFieldHeader(field, WireType.VarInt);
            w.WriteVarUInt32((uint)index);
            return;
        }
        WriteString(ref w, field, replica);
        if (table is not null)
        {
            table.Index[replica] = table.Names.Count;
            table.Names.Add(replica);
        }
    }

    /// <summary>Reads a replica id written by <see cref="WriteReplica"/>: a non-empty string, or a reference to one read before in the same value.</summary>
    public static string ReadReplica(ref Reader r, WireType wireType)
    {
        var table = _replicas;
        if (wireType == WireType.VarInt)
        {
            var index = r.ReadVarUInt64();
            return table is not null && index < (ulong)table.Names.Count
                ? table.Names[(int)index]
                : throw new SerializationException($"Malformed CRDT data: replica reference {index} to a replica id not written before it.");
        }
        var replica = ReadString(ref r, wireType);
        if (replica.Length == 0)
        {
            throw new SerializationException("An empty replica id.");
        }
        if (table is not null && table.Index.TryAdd(replica, table.Names.Count))
        {
            table.Names.Add(replica);
        }
        return replica;
    }

    /// <summary>Starts the replica table of one encoded value (writing or reading), holding <paramref name="impliedReplica"/> as #0 when given; returns the enclosing table, for <see cref="EndReplicaScope"/>.</summary>
    public static object? BeginReplicaScope(string? impliedReplica)
    {
        var enclosing = _replicas;
        var table = new ReplicaTable();
        if (impliedReplica is not null)
        {
            table.Index[impliedReplica] = 0;
            table.Names.Add(impliedReplica);
        }
        _replicas = table;
        return enclosing;
    }

    public static void EndReplicaScope(object? enclosing) => _replicas = (ReplicaTable?)enclosing;

    /// <summary>
    /// Reads a counter's body: field 1 = a replica, then its counts, field 2 into
    /// <paramref name="first"/> and field 3 into <paramref name="second"/> (when given), each at
    /// most once. A replica named twice, a count before any replica, or a replica without a count
    /// is malformed.
    /// </summary>
    public static void ReadCounts(ref Reader r, Dictionary<string, ulong> first, Dictionary<string, ulong>? second)
    {
        string? replica = null;
        var counted = true;
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            if (field == 1)
            {
                ThrowIfUncounted(replica, counted);
                replica = ReadReplica(ref r, wireType);
                if (first.ContainsKey(replica) || second?.ContainsKey(replica) == true)
                {
                    throw Duplicate($"the count of {replica}");
                }
                counted = false;
            }
            else if (field == 2 || (field == 3 && second is not null))
            {
                if (replica is null)
                {
                    throw new SerializationException("Malformed CRDT data: a count before any replica.");
                }
                if (!(field == 2 ? first : second!).TryAdd(replica, ReadUInt64(ref r, wireType)))
                {
                    throw Duplicate($"the count of {replica}");
                }
                counted = true;
            }
            else
            {
                r.SkipField(wireType);
            }
        }
        ThrowIfUncounted(replica, counted);

        static void ThrowIfUncounted(string? replica, bool counted)
        {
            if (!counted)
            {
                throw new SerializationException($"Malformed CRDT data: the counter entry of {replica} has no count.");
            }
        }
    }

    public static void WriteNested<T>(ref Writer w, uint field, T value) where T : class, ICrdt<T>
    {
        w.WriteStartObject(field);
        value.WriteBody(ref w);
        w.WriteEndObject();
    }

    public static T ReadNested<T>(ref Reader r, WireType wireType) where T : class, ICrdt<T>
    {
        r.EnterObject(wireType);
        return T.ReadBody(ref r);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static SerializationException Duplicate(string what) => new($"Malformed CRDT data: {what} appears twice.");

    private sealed class ReplicaTable
    {
        public List<string> Names { get; } = [];

        public Dictionary<string, int> Index { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>Encodes elements with their <see cref="Codec{T}"/>, for canonical ordering and deterministic tie-breaks.</summary>
internal static class ElementBytes<T>
{
    public static byte[] Encode(T value)
    {
        var output = new ArrayBufferWriter<byte>(32);
        var w = new Writer(output);
        Codec<T>.Instance.Write(ref w, 0, value);
        w.Commit();
        return output.WrittenSpan.ToArray();
    }

    public static int Compare(T a, T b) => Encode(a).AsSpan().SequenceCompareTo(Encode(b));

    /// <summary>Sorts items by the encoding of their element, so that equal states encode to equal bytes.</summary>
    public static List<TItem> SortBy<TItem>(IEnumerable<TItem> items, Func<TItem, T> element)
    {
        var keyed = new List<(byte[] Key, TItem Item)>();
        foreach (var item in items)
        {
            keyed.Add((Encode(element(item)), item));
        }
        keyed.Sort(static (x, y) => x.Key.AsSpan().SequenceCompareTo(y.Key));
        var sorted = new List<TItem>(keyed.Count);
        foreach (var (_, item) in keyed)
        {
            sorted.Add(item);
        }
        return sorted;
    }
}
