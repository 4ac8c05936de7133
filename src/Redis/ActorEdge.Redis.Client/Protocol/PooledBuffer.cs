using System.Buffers;

namespace ActorEdge.Redis.Protocol;

/// <summary>A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>; not thread-safe.</summary>
/// <remarks>
/// Not ActorEdge.Serialization's PooledBuffer: this client references no ActorEdge project (it is a
/// standalone RESP library), and its buffer differs in one respect, keeping its capacity across
/// resets up to <see cref="KeepAtMost"/> so a connection's pipelined batches do not regrow it.
/// </remarks>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    // Buffers that grew past this are returned on reset, so a burst of large values does not pin
    // memory; below it the capacity is kept, so pipelined 100 KB values do not regrow it every batch.
    private const int KeepAtMost = 16 * 1024 * 1024;

    private byte[] _array;
    private int _length;

    public PooledBuffer(int initialCapacity = 4096) => _array = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_array.AsSpan(_length));
        _length += bytes.Length;
    }

    public void Reset()
    {
        _length = 0;
        if (_array.Length > KeepAtMost)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = ArrayPool<byte>.Shared.Rent(4096);
        }
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _length = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }
        if (_array.Length - _length >= sizeHint)
        {
            return;
        }
        Grow(sizeHint);
    }

    private void Grow(int sizeHint)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _length + sizeHint));
        _array.AsSpan(0, _length).CopyTo(next);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        _array = next;
    }
}
