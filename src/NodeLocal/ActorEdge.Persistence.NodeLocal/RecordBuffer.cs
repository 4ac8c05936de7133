using System.Buffers;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// A whole record being built: the header's 32 bytes reserved, the serializer writes the payload
/// after them, then <see cref="Seal"/> fills the header in. Rented from <see cref="ArrayPool{T}.Shared"/>,
/// so a large state does not allocate a new array (and its growth copies) on every write.
/// </summary>
internal sealed class RecordBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _written;

    public RecordBuffer(int initialCapacity = 1024)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
        _written = RecordFormat.HeaderSize;
    }

    public int PayloadLength => _written - RecordFormat.HeaderSize;

    public ReadOnlySpan<byte> Payload => _array.AsSpan(RecordFormat.HeaderSize, PayloadLength);

    public ReadOnlyMemory<byte> Record => _array.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _array.AsSpan(_written);
    }

    /// <summary>Writes the header of version <paramref name="version"/> in front of the payload.</summary>
    public void Seal(ulong version, uint payloadCrc) =>
        RecordFormat.WriteHeader(_array.AsSpan(0, RecordFormat.HeaderSize), new RecordHeader(version, IsTombstone: false, PayloadLength, payloadCrc));

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _written = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void EnsureCapacity(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_array.Length - _written >= sizeHint)
        {
            return;
        }
        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)_array.Length * 2, (long)_written + sizeHint)));
        _array.AsSpan(0, _written).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_array);
        _array = grown;
    }
}
