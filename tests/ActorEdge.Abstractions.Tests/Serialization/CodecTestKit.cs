using System.Buffers;
using ActorEdge.Serialization;
using Xunit;

namespace ActorEdge.Tests.Serialization;

/// <summary>Writes and reads single fields through a codec.</summary>
internal static class CodecTestKit
{
    public static byte[] Write<T>(IFieldCodec<T> codec, T value, uint fieldId = 0)
    {
        // A one-byte initial buffer makes the writer grow its span mid-value.
        var output = new ArrayBufferWriter<byte>(1);
        var writer = new Writer(output);
        codec.Write(ref writer, fieldId, value);
        writer.Commit();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Reads one field and checks that it was the whole input.</summary>
    public static T Read<T>(IFieldCodec<T> codec, byte[] bytes)
    {
        var reader = new Reader(bytes);
        if (!reader.TryReadFieldHeader(out _, out var wireType))
        {
            throw new SerializationException("No field.");
        }
        var value = codec.Read(ref reader, wireType);
        Assert.False(reader.TryReadFieldHeader(out _, out _));
        Assert.True(reader.End);
        return value;
    }

    public static T RoundTrip<T>(IFieldCodec<T> codec, T value) => Read(codec, Write(codec, value));

    public static SerializationException ReadFails<T>(IFieldCodec<T> codec, byte[] bytes) =>
        Assert.Throws<SerializationException>(() => Read(codec, bytes));
}
