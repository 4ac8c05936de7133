using System.Buffers;

namespace ActorEdge.Serialization;

/// <summary>
/// Whole-value serialization, as used for grain state and other standalone payloads: the value
/// is written as field 0 of a top-level sequence of fields.
/// </summary>
public static class Serializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    public static void Serialize<T>(T value, IBufferWriter<byte> output)
    {
        var writer = new Writer(output);
        Codec<T>.Instance.Write(ref writer, 0, value);
        writer.Commit();
    }

    /// <summary>Returns the bytes of <paramref name="value"/>.</summary>
    public static byte[] SerializeToArray<T>(T value)
    {
        using var output = new PooledBuffer();
        Serialize(value, output);
        return output.ToArray();
    }

    /// <summary>
    /// Reads a value written by <see cref="Serialize{T}"/>. Empty input gives default; fields
    /// other than 0 are skipped (so later versions may add them).
    /// </summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> data)
    {
        var reader = new Reader(data);
        var result = default(T)!;
        while (reader.TryReadFieldHeader(out var fieldId, out var wireType))
        {
            if (fieldId == 0)
            {
                result = Codec<T>.Instance.Read(ref reader, wireType);
            }
            else
            {
                reader.SkipField(wireType);
            }
        }
        return result;
    }
}
