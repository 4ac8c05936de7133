using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorEdge.Serialization;

/// <summary>Reading and writing steps shared by the built-in codecs.</summary>
internal static class CodecHelpers
{
    /// <summary>The field id of a collection's element count.</summary>
    internal const uint CountField = 0;

    /// <summary>The field id of a collection element, or of a dictionary entry's key.</summary>
    internal const uint ElementField = 1;

    /// <summary>The field id of a dictionary entry's value.</summary>
    internal const uint ValueField = 2;

    /// <summary>The most elements a reader allocates room for before it has seen them.</summary>
    internal const int MaxPresize = 1024;

    // Encoding.UTF8 replaces invalid bytes with U+FFFD; a reader must reject them instead.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Throws unless <paramref name="actual"/> is <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            Reader.ThrowUnexpectedWireType(expected, actual);
        }
    }

    /// <summary>
    /// Reads a varint length and that many bytes. Unlike <see cref="Reader.ReadLengthPrefixed"/>, a
    /// length above <see cref="int.MaxValue"/> is reported as truncation, not as an overflow.
    /// </summary>
    internal static ReadOnlySpan<byte> ReadBytes(ref Reader reader) => reader.ReadSpan((int)reader.ReadVarUInt32());

    /// <summary>Reads a length-prefixed UTF-8 string, rejecting invalid UTF-8.</summary>
    internal static string ReadString(ref Reader reader)
    {
        var bytes = ReadBytes(ref reader);
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new SerializationException("Invalid UTF-8 in a string field.", e);
        }
    }

    /// <summary>
    /// Skips a field like <see cref="Reader.SkipField"/>, but reads lengths the way
    /// <see cref="ReadBytes"/> does so that every malformed length ends in <see cref="SerializationException"/>.
    /// Recursion is bounded by <see cref="Reader.MaxDepth"/>.
    /// </summary>
    internal static void SkipField(ref Reader reader, WireType wireType)
    {
        switch (wireType)
        {
            case WireType.LengthPrefixed:
                ReadBytes(ref reader);
                break;
            case WireType.StartObject:
                reader.EnterObject(wireType);
                while (reader.TryReadFieldHeader(out _, out var inner))
                {
                    SkipField(ref reader, inner);
                }
                break;
            default:
                reader.SkipField(wireType);
                break;
        }
    }

    /// <summary>Writes the element count of a collection whose object was just started.</summary>
    internal static void WriteCount(ref Writer writer, int count)
    {
        writer.WriteFieldHeader(CountField, WireType.VarInt);
        writer.WriteVarUInt32((uint)count);
    }

    /// <summary>
    /// Reads the element count of a collection. <paramref name="expected"/> is -1 until a count
    /// was read and <paramref name="read"/> the elements read so far: a count must come once,
    /// before any element.
    /// </summary>
    internal static long ReadCount(ref Reader reader, WireType wireType, long expected, int read)
    {
        Expect(wireType, WireType.VarInt);
        if (expected >= 0 || read != 0)
        {
            ThrowMalformed("a collection count that is repeated or follows elements");
        }
        return reader.ReadVarUInt32();
    }

    /// <summary>How many elements to allocate room for when <paramref name="expected"/> are announced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Presize(long expected) => (int)Math.Min(expected, MaxPresize);

    /// <summary>Throws if one more element would exceed the announced count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckRoomForElement(long expected, int read)
    {
        if (expected >= 0 && read >= expected)
        {
            ThrowCountMismatch(expected, read + 1L);
        }
    }

    /// <summary>Throws if fewer elements were read than announced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckComplete(long expected, int read)
    {
        if (expected >= 0 && read != expected)
        {
            ThrowCountMismatch(expected, read);
        }
    }

    /// <summary>Writes a collection's object: header, count, elements as field 1, end marker.</summary>
    internal static void WriteCollection<T>(ref Writer writer, uint fieldId, ReadOnlySpan<T> items, IFieldCodec<T> element)
    {
        writer.WriteStartObject(fieldId);
        WriteCount(ref writer, items.Length);
        foreach (var item in items)
        {
            element.Write(ref writer, ElementField, item);
        }
        writer.WriteEndObject();
    }

    /// <summary>Writes a collection's object from an enumerable that reported <paramref name="count"/> elements.</summary>
    internal static void WriteCollection<T>(ref Writer writer, uint fieldId, IEnumerable<T> items, int count, IFieldCodec<T> element)
    {
        writer.WriteStartObject(fieldId);
        WriteCount(ref writer, count);
        var written = 0;
        foreach (var item in items)
        {
            element.Write(ref writer, ElementField, item);
            written++;
        }
        if (written != count)
        {
            ThrowCountChanged(count, written);
        }
        writer.WriteEndObject();
    }

    /// <summary>Reads the elements of a collection object into a list (the object header was read, not entered).</summary>
    internal static List<T> ReadList<T>(ref Reader reader, WireType wireType, IFieldCodec<T> element)
    {
        reader.EnterObject(wireType);
        List<T>? list = null;
        var expected = -1L;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case CountField:
                    expected = ReadCount(ref reader, fieldType, expected, list?.Count ?? 0);
                    list = new List<T>(Presize(expected));
                    break;
                case ElementField:
                    list ??= [];
                    CheckRoomForElement(expected, list.Count);
                    list.Add(element.Read(ref reader, fieldType));
                    break;
                default:
                    SkipField(ref reader, fieldType);
                    break;
            }
        }
        list ??= [];
        CheckComplete(expected, list.Count);
        return list;
    }

    /// <summary>Reads a zig-zag varint of up to 64 bits and checks that it lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static long ReadSigned(ref Reader reader, WireType wireType, long min, long max, string typeName)
    {
        Expect(wireType, WireType.VarInt);
        var value = reader.ReadVarInt64();
        if (value < min || value > max)
        {
            ThrowOutOfRange(value.ToString(CultureInfo.InvariantCulture), typeName);
        }
        return value;
    }

    /// <summary>Reads a varint of up to 64 bits and checks that it is at most <paramref name="max"/>.</summary>
    internal static ulong ReadUnsigned(ref Reader reader, WireType wireType, ulong max, string typeName)
    {
        Expect(wireType, WireType.VarInt);
        var value = reader.ReadVarUInt64();
        if (value > max)
        {
            ThrowOutOfRange(value.ToString(CultureInfo.InvariantCulture), typeName);
        }
        return value;
    }

    /// <summary>Throws for a value that does not fit the type it is read as.</summary>
    [DoesNotReturn]
    internal static void ThrowOutOfRange(string value, string typeName) =>
        throw new SerializationException($"The value {value} does not fit a {typeName}: the data was written by a wider type or is corrupt.");

    /// <summary>Throws a <see cref="SerializationException"/> for malformed data.</summary>
    [DoesNotReturn]
    internal static void ThrowMalformed(string what) => throw new SerializationException($"Malformed data: {what}.");

    [DoesNotReturn]
    private static void ThrowCountMismatch(long expected, long actual) =>
        throw new SerializationException($"Malformed data: a collection announced {expected} elements but holds {(actual > expected ? "more" : actual.ToString(CultureInfo.InvariantCulture))}.");

    [DoesNotReturn]
    private static void ThrowCountChanged(int count, int written) =>
        throw new SerializationException($"A collection reported {count} elements but enumerated {written}: it changed while it was serialized, or its Count is wrong.");
}
