using System.Buffers;

namespace ActorEdge.Serialization;

/// <summary>
/// A growable buffer rented from <see cref="ArrayPool{T}.Shared"/>: the payload of a message, or
/// scratch space to encode into. Dispose returns the array; a buffer that is never disposed is
/// simply collected. Encoding a large value (a 100 KB grain state) into an
/// <see cref="ArrayBufferWriter{T}"/> allocates every size it grows through on the large object
/// heap, whose collections are full (gen 2) ones; here the growth reuses the pool's arrays.
/// </summary>
public sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _written;

    /// <summary>Creates an empty buffer of at least <paramref name="initialCapacity"/> bytes.</summary>
    public PooledBuffer(int initialCapacity = 256)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>The bytes written so far.</summary>
    public int Length => _written;

    /// <summary>What was written (valid until the next write or <see cref="Dispose"/>).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

    /// <inheritdoc cref="WrittenSpan"/>
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    /// <summary>A copy of what was written, in an array of its exact size.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <inheritdoc/>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_array.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Cannot advance past the {_array.Length - _written} bytes of the span last given.");
        }
        _written += count;
    }

    /// <summary>Forgets what was written, keeping the array, to write something else.</summary>
    public void ResetWrittenCount() => _written = 0;

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _array.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _array.AsSpan(_written);
    }

    /// <summary>Copies <paramref name="source"/> into a new buffer.</summary>
    public static PooledBuffer CopyOf(in ReadOnlySequence<byte> source)
    {
        var buffer = new PooledBuffer((int)source.Length);
        source.CopyTo(buffer._array);
        buffer._written = (int)source.Length;
        return buffer;
    }

    /// <summary>Returns the array to the pool; the buffer is empty afterwards.</summary>
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
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }
        if (_array.Length - _written >= sizeHint)
        {
            return;
        }
        var wanted = Math.Max(2L * _array.Length, (long)_written + sizeHint);
        if ((long)_written + sizeHint > Array.MaxLength)
        {
            throw new InvalidOperationException($"A buffer cannot grow past {Array.MaxLength} bytes ({_written} written, {sizeHint} more asked).");
        }
        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(wanted, Array.MaxLength));
        _array.AsSpan(0, _written).CopyTo(grown);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
        _array = grown;
    }
}
