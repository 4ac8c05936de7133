using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorEdge.Serialization;

/// <summary>
/// Writes fields to an <see cref="IBufferWriter{T}"/>. It caches the output's current span and
/// advances the output only when that span is full or on <see cref="Commit"/>: always call
/// <see cref="Commit"/> when done.
/// </summary>
public ref struct Writer
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _position;
    private long _committed;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    public Writer(IBufferWriter<byte> output)
    {
        _output = output;
        _span = output.GetSpan();
        _position = 0;
        _committed = 0;
    }

    /// <summary>Bytes written so far, committed or not.</summary>
    public readonly long Position => _committed + _position;

    /// <summary>Advances the output past everything written.</summary>
    public void Commit()
    {
        _output.Advance(_position);
        _committed += _position;
        _position = 0;
        _span = default;
    }

    /// <summary>Writes a field header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteFieldHeader(uint fieldId, WireType wireType) => WriteVarUInt32((fieldId << 3) | (uint)wireType);

    /// <summary>Writes the header of a null field.</summary>
    public void WriteNull(uint fieldId) => WriteFieldHeader(fieldId, WireType.Null);

    /// <summary>Writes the header that starts a nested object.</summary>
    public void WriteStartObject(uint fieldId) => WriteFieldHeader(fieldId, WireType.StartObject);

    /// <summary>Writes the marker that ends the innermost nested object.</summary>
    public void WriteEndObject() => WriteFieldHeader(0, WireType.EndObject);

    /// <summary>Writes one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (_position >= _span.Length)
        {
            Grow(1);
        }
        _span[_position++] = value;
    }

    /// <summary>Writes an unsigned LEB128 varint.</summary>
    public void WriteVarUInt32(uint value)
    {
        if (_span.Length - _position < 5)
        {
            Grow(5);
        }
        var span = _span;
        var position = _position;
        while (value >= 0x80)
        {
            span[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[position++] = (byte)value;
        _position = position;
    }

    /// <summary>Writes an unsigned LEB128 varint.</summary>
    public void WriteVarUInt64(ulong value)
    {
        if (_span.Length - _position < 10)
        {
            Grow(10);
        }
        var span = _span;
        var position = _position;
        while (value >= 0x80)
        {
            span[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[position++] = (byte)value;
        _position = position;
    }

    /// <summary>Writes a signed value as a zig-zag varint.</summary>
    public void WriteVarInt32(int value) => WriteVarUInt32((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Writes a signed value as a zig-zag varint.</summary>
    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes four little-endian bytes.</summary>
    public void WriteFixed32(uint value)
    {
        if (_span.Length - _position < 4)
        {
            Grow(4);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_span[_position..], value);
        _position += 4;
    }

    /// <summary>Writes eight little-endian bytes.</summary>
    public void WriteFixed64(ulong value)
    {
        if (_span.Length - _position < 8)
        {
            Grow(8);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(_span[_position..], value);
        _position += 8;
    }

    /// <summary>Writes bytes as they are, with no length.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            if (_position >= _span.Length)
            {
                Grow(1);
            }
            var chunk = Math.Min(value.Length, _span.Length - _position);
            value[..chunk].CopyTo(_span[_position..]);
            _position += chunk;
            value = value[chunk..];
        }
    }

    /// <summary>Writes a varint length followed by the bytes (the payload of a <see cref="WireType.LengthPrefixed"/> field).</summary>
    public void WriteLengthPrefixed(scoped ReadOnlySpan<byte> value)
    {
        WriteVarUInt32((uint)value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes a string as a varint UTF-8 byte count followed by the UTF-8 bytes.</summary>
    public void WriteUtf8(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt32((uint)byteCount);
        if (_span.Length - _position < byteCount)
        {
            Grow(byteCount);
        }
        _position += Encoding.UTF8.GetBytes(value, _span[_position..]);
    }

    private void Grow(int sizeHint)
    {
        _output.Advance(_position);
        _committed += _position;
        _position = 0;
        _span = _output.GetSpan(sizeHint);
    }
}
