using System.Net;
using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

/// <summary>Input no writer produced must end in <see cref="SerializationException"/> and nothing else.</summary>
public class MalformedInputTests
{
    private static readonly DictionaryCodec<string, List<Guid>> Nested =
        new(StringCodec.Instance, new ListCodec<Guid>(GuidCodec.Instance));

    private static readonly ValueTupleCodec<decimal, DateTimeOffset, List<int?>> Tuple =
        new(DecimalCodec.Instance, DateTimeOffsetCodec.Instance, new ListCodec<int?>(new NullableCodec<int>(Int32Codec.Instance)));

    [Fact]
    public void Read_EveryTruncation_ThrowsSerializationException()
    {
        AssertEveryTruncationFails(Int64Codec.Instance, long.MinValue);
        AssertEveryTruncationFails(DoubleCodec.Instance, Math.PI);
        AssertEveryTruncationFails(StringCodec.Instance, "żółć");
        AssertEveryTruncationFails(GuidCodec.Instance, Guid.NewGuid());
        AssertEveryTruncationFails(GrainIdCodec.Instance, new GrainId("counter", "42"));
        AssertEveryTruncationFails(SiloAddressCodec.Instance, new SiloAddress(new IPEndPoint(IPAddress.IPv6Loopback, 11111), 3));
        AssertEveryTruncationFails(Nested, new Dictionary<string, List<Guid>> { ["a"] = [Guid.NewGuid()], ["b"] = [] });
        AssertEveryTruncationFails(Tuple, (1.5m, DateTimeOffset.UnixEpoch, [1, null, 3]));
    }

    [Fact]
    public void Read_RandomBytes_ThrowsOnlySerializationException()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            ReadAllOrSerializationException(Int32Codec.Instance, bytes);
            ReadAllOrSerializationException(StringCodec.Instance, bytes);
            ReadAllOrSerializationException(DecimalCodec.Instance, bytes);
            ReadAllOrSerializationException(DateTimeCodec.Instance, bytes);
            ReadAllOrSerializationException(DateTimeOffsetCodec.Instance, bytes);
            ReadAllOrSerializationException(GrainIdCodec.Instance, bytes);
            ReadAllOrSerializationException(SiloAddressCodec.Instance, bytes);
            ReadAllOrSerializationException(Nested, bytes);
            ReadAllOrSerializationException(Tuple, bytes);
            ReadAllOrSerializationException(new ArrayCodec<string>(StringCodec.Instance), bytes);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    [Fact]
    public void Read_RandomBytesAfterCollectionStart_ThrowsOnlySerializationException()
    {
        // Random bytes rarely form a collection header; start one so the element paths are reached.
        Prop.ForAll<byte[]>(tail =>
        {
            byte[] bytes = [0x04, .. tail];
            ReadAllOrSerializationException(Nested, bytes);
            ReadAllOrSerializationException(new ArrayCodec<int>(Int32Codec.Instance), bytes);
            ReadAllOrSerializationException(new HashSetCodec<string>(StringCodec.Instance), bytes);
            ReadAllOrSerializationException(Tuple, bytes);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    [Fact]
    public void Read_MutatedValidEncoding_ThrowsOnlySerializationException()
    {
        var valid = Write(Nested, new Dictionary<string, List<Guid>> { ["key"] = [Guid.NewGuid(), Guid.Empty], ["k2"] = null! });
        for (var i = 0; i < valid.Length; i++)
        {
            foreach (var replacement in (ReadOnlySpan<byte>)[0x00, 0x03, 0x04, 0x05, 0x06, 0x07, 0x7F, 0x80, 0xFF])
            {
                var mutated = (byte[])valid.Clone();
                mutated[i] = replacement;
                ReadAllOrSerializationException(Nested, mutated);
            }
        }
    }

    private static void AssertEveryTruncationFails<T>(IFieldCodec<T> codec, T value)
    {
        var bytes = Write(codec, value);
        for (var length = 1; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<SerializationException>(() => ReadAll(codec, prefix));
        }
    }

    private static void ReadAllOrSerializationException<T>(IFieldCodec<T> codec, byte[] bytes)
    {
        try
        {
            ReadAll(codec, bytes);
        }
        catch (SerializationException)
        {
        }
    }

    private static void ReadAll<T>(IFieldCodec<T> codec, byte[] bytes)
    {
        var reader = new Reader(bytes);
        while (reader.TryReadFieldHeader(out _, out var wireType))
        {
            codec.Read(ref reader, wireType);
        }
    }
}
