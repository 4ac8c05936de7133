using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorEdge.Serialization;

/// <summary>
/// Reads fields from a contiguous buffer. Malformed input (truncation, an impossible header,
/// nesting deeper than <see cref="MaxDepth"/>) throws <see cref="SerializationException"/>, never
/// reads out of bounds and never recurses without bound.
/// </summary>
public ref struct Reader
{
    /// <summary>The deepest nesting of objects accepted.</summary>
    public const int MaxDepth = 64;

    // Encoding.UTF8 replaces invalid bytes silently; corrupt data must fail instead.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;
    private int _depth;

    /// <summary>Creates a reader over <paramref name="buffer"/>.</summary>
    public Reader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        _depth = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Whether every byte has been consumed.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>
    /// Reads the next field header of the current object. Returns false at the end of the
    /// current object: the <see cref="WireType.EndObject"/> marker inside a nested object, the
    /// end of the buffer at the top level.
    /// </summary>
    public bool TryReadFieldHeader(out uint fieldId, out WireType wireType)
    {
        if (_position >= _buffer.Length)
        {
            if (_depth != 0)
            {
                ThrowTruncated();
            }
            fieldId = 0;
            wireType = default;
            return false;
        }

        var header = ReadVarUInt32();
        wireType = (WireType)(header & 7);
        fieldId = header >> 3;
        if (wireType == WireType.EndObject)
        {
            if (_depth == 0)
            {
                Throw("an end-of-object marker outside any object");
            }
            _depth--;
            return false;
        }
        if (wireType > WireType.Null)
        {
            Throw($"unknown wire type {(int)wireType}");
        }
        return true;
    }

    /// <summary>Enters the nested object whose <see cref="WireType.StartObject"/> header was just read.</summary>
    public void EnterObject(WireType wireType)
    {
        if (wireType != WireType.StartObject)
        {
            ThrowUnexpectedWireType(WireType.StartObject, wireType);
        }
        if (++_depth > MaxDepth)
        {
            Throw($"objects nested deeper than {MaxDepth}");
        }
    }

    /// <summary>Skips the value of a field whose header was just read.</summary>
    public void SkipField(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.VarInt:
                ReadVarUInt64();
                break;
            case WireType.Fixed32:
                Advance(4);
                break;
            case WireType.Fixed64:
                Advance(8);
                break;
            case WireType.LengthPrefixed:
                Advance((int)ReadVarUInt32()); // a length over int.MaxValue turns negative and fails as truncation
                break;
            case WireType.StartObject:
                EnterObject(wireType);
                while (TryReadFieldHeader(out _, out var inner))
                {
                    SkipField(inner);
                }
                break;
            case WireType.Null:
                break;
            default:
                Throw($"wire type {wireType} cannot be skipped");
                break;
        }
    }

    /// <summary>Reads one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        if (_position >= _buffer.Length)
        {
            ThrowTruncated();
        }
        return _buffer[_position++];
    }

    /// <summary>Reads an unsigned LEB128 varint of at most 32 bits.</summary>
    public uint ReadVarUInt32()
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte();
            if (shift == 28 && b > 0x0F)
            {
                Throw("a varint that does not fit 32 bits");
            }
            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        Throw("a varint longer than 5 bytes");
        return 0;
    }

    /// <summary>Reads an unsigned LEB128 varint of at most 64 bits.</summary>
    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        Throw("a varint longer than 10 bytes");
        return 0;
    }

    /// <summary>Reads a zig-zag varint.</summary>
    public int ReadVarInt32()
    {
        var value = ReadVarUInt32();
        return (int)(value >> 1) ^ -(int)(value & 1);
    }

    /// <summary>Reads a zig-zag varint.</summary>
    public long ReadVarInt64()
    {
        var value = ReadVarUInt64();
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    /// <summary>Reads four little-endian bytes.</summary>
    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4));

    /// <summary>Reads eight little-endian bytes.</summary>
    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8));

    /// <summary>Reads a varint length and returns that many bytes (a view of the buffer, valid while it is).</summary>
    public ReadOnlySpan<byte> ReadLengthPrefixed() => ReadSpan((int)ReadVarUInt32());

    /// <summary>Reads a string written by <see cref="Writer.WriteUtf8"/>.</summary>
    public string ReadUtf8()
    {
        var bytes = ReadLengthPrefixed();
        try
        {
            return bytes.IsEmpty ? string.Empty : StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new SerializationException("Invalid UTF-8 in a string field.", e);
        }
    }

    /// <summary>Returns the next <paramref name="length"/> bytes (a view of the buffer).</summary>
    public ReadOnlySpan<byte> ReadSpan(int length)
    {
        if ((uint)length > (uint)(_buffer.Length - _position))
        {
            ThrowTruncated();
        }
        var span = _buffer.Slice(_position, length);
        _position += length;
        return span;
    }

    private void Advance(int length) => ReadSpan(length);

    /// <summary>Throws for a field whose wire type does not match what its codec expects.</summary>
    [DoesNotReturn]
    public static void ThrowUnexpectedWireType(WireType expected, WireType actual) =>
        throw new SerializationException($"Expected a field of wire type {expected} but found {actual}: the data was written by an incompatible type or is corrupt.");

    [DoesNotReturn]
    private static void ThrowTruncated() => throw new SerializationException("The data ends in the middle of a value: it is truncated or corrupt.");

    [DoesNotReturn]
    private static void Throw(string what) => throw new SerializationException($"Malformed data: {what}.");
}
