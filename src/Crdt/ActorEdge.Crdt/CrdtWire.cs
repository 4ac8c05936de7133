using System.Buffers;
using System.Runtime.CompilerServices;
using ActorEdge.Serialization;

namespace ActorEdge.Crdt;

/// <summary>Shared pieces of the CRDT encodings.</summary>
internal static class CrdtWire
{
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

    public static string ReadReplica(ref Reader r, WireType wireType)
    {
        var replica = ReadString(ref r, wireType);
        return replica.Length > 0 ? replica : throw new SerializationException("An empty replica id.");
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
