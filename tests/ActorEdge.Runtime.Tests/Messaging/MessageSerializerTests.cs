using System.Buffers;
using System.Net;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Tests.Messaging;

public sealed class MessageSerializerTests
{
    private static readonly SiloAddress Sender = new(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 11111), 638_000_000_000L);
    private static readonly SiloAddress Target = new(new IPEndPoint(IPAddress.Parse("fe80::1"), 65535), 1);

    [Fact]
    public void TryReadFrame_FrameOfMessageWithEveryField_ReturnsEqualMessage()
    {
        var bytes = Frame(FullMessage());
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out var read));

        Assert.True(buffer.IsEmpty);
        AssertEqual(FullMessage(), read!);
    }

    [Fact]
    public void TryReadFrame_MessageWithDefaultFields_ReturnsDefaults()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(new Message { Kind = MessageKind.Response }));

        Assert.True(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out var read));

        Assert.Equal(MessageKind.Response, read!.Kind);
        Assert.Equal(MessageFlags.None, read.Flags);
        Assert.Equal(ResponseStatus.Ok, read.Status);
        Assert.Equal(0, read.CorrelationId);
        Assert.True(read.TargetGrain.IsDefault);
        Assert.Null(read.SendingSilo);
        Assert.Null(read.TargetSilo);
        Assert.Null(read.RequestContext);
        Assert.Null(read.TraceParent);
        Assert.Null(read.OriginNode);
        Assert.Equal(0, read.ServiceMicroseconds);
        Assert.Null(read.Payload);
    }

    [Fact]
    public void TryReadFrame_EveryProperPrefix_ReturnsFalseAndConsumesNothing()
    {
        var bytes = Frame(FullMessage());
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);

            Assert.False(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out var message));

            Assert.Null(message);
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void TryReadFrame_FrameSplitAcrossSegmentsAtEveryPosition_ReturnsEqualMessage()
    {
        var bytes = Frame(FullMessage());
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var buffer = Sequences.Split(bytes, cut);

            Assert.True(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out var read));

            Assert.True(buffer.IsEmpty);
            AssertEqual(FullMessage(), read!);
        }
    }

    [Fact]
    public void TryReadFrame_TwoFramesAndPartOfAThird_ReadsTwoAndLeavesTheRest()
    {
        var first = Frame(new Message { Kind = MessageKind.Cancel, CorrelationId = 1 });
        var second = Frame(new Message { Kind = MessageKind.Cancel, CorrelationId = 2 });
        var third = Frame(new Message { Kind = MessageKind.Cancel, CorrelationId = 3 });
        var buffer = new ReadOnlySequence<byte>([.. first, .. second, .. third[..5]]);

        Assert.True(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out var a));
        Assert.True(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out var b));
        Assert.False(MessageSerializer.TryReadFrame(ref buffer, 1 << 20, out _));

        Assert.Equal(1, a!.CorrelationId);
        Assert.Equal(2, b!.CorrelationId);
        Assert.Equal(5, buffer.Length);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(1025u)]
    [InlineData(uint.MaxValue)]
    public void TryReadFrame_LengthPrefixOutsideRange_ThrowsInvalidDataException(uint frameLength)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, frameLength);
        var buffer = new ReadOnlySequence<byte>(bytes);

        var error = Assert.Throws<InvalidDataException>(() => MessageSerializer.TryReadFrame(ref buffer, 1024, out _));

        Assert.Contains($"Frame length {frameLength}", error.Message);
    }

    [Fact]
    public void TryReadFrame_HeaderLengthBeyondFrame_ThrowsInvalidDataException()
    {
        var bytes = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 5);
        var buffer = new ReadOnlySequence<byte>(bytes);

        var error = Assert.Throws<InvalidDataException>(() => MessageSerializer.TryReadFrame(ref buffer, 1024, out _));

        Assert.Contains("Header length 5 exceeds the frame (4 bytes)", error.Message);
    }

    [Fact]
    public void TryReadFrame_UnknownMessageKind_ThrowsInvalidDataException()
    {
        var buffer = new ReadOnlySequence<byte>(Frame(new Message { Kind = (MessageKind)9 }));

        var error = Assert.Throws<InvalidDataException>(() => MessageSerializer.TryReadFrame(ref buffer, 1024, out _));

        Assert.Contains("Unknown message kind 9", error.Message);
    }

    public static TheoryData<string, byte[]> MalformedHeaders => new()
    {
        // Kind Response, then field 4 (correlation id) as a varint that never ends.
        { "truncated varint", [0x08, 0x02, 0x20, 0xFF, 0xFF] },
        // Kind Response, then field 9 (grain type) with a length running past the header.
        { "length past the end", [0x08, 0x02, 0x4B, 0x10, 0x61] },
        // Kind Response, then field 11 (sending silo) with an address of 3 bytes.
        { "silo address of 3 bytes", [0x08, 0x02, 0x5C, 0x0B, 0x03, 1, 2, 3, 0x10, 0x01, 0x05] },
        // Kind Response, then field 13 (request context) with a Guid of 3 bytes.
        { "guid of 3 bytes", [0x08, 0x02, 0x6C, 0x0B, 0x01, 0x6B, 0x3B, 0x03, 1, 2, 3, 0x05] },
        // Kind Response, then field 13 (request context) that never ends.
        { "unterminated object", [0x08, 0x02, 0x6C, 0x0B, 0x01, 0x6B] },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void TryReadFrame_MalformedHeader_ThrowsInvalidDataException(string what, byte[] header)
    {
        var buffer = new ReadOnlySequence<byte>(RawFrame(header));

        var error = Record.Exception(() => MessageSerializer.TryReadFrame(ref buffer, 1024, out _));

        Assert.True(error is InvalidDataException, $"{what}: {error?.GetType().Name ?? "no exception"} {error?.Message}");
    }

    [Theory]
    [InlineData((byte)MessageKind.Request)]
    [InlineData((byte)MessageKind.CacheInvalidation)]
    public void TryReadFrame_GrainMessageWithoutTargetGrain_ThrowsInvalidDataException(byte kind)
    {
        var buffer = new ReadOnlySequence<byte>(Frame(new Message { Kind = (MessageKind)kind, CorrelationId = 5 }));

        var error = Record.Exception(() => MessageSerializer.TryReadFrame(ref buffer, 1024, out _));

        Assert.IsType<InvalidDataException>(error);
    }

    internal static byte[] Frame(Message message)
    {
        var output = new ArrayBufferWriter<byte>();
        MessageSerializer.Write(message, output, new ArrayBufferWriter<byte>());
        return output.WrittenSpan.ToArray();
    }

    internal static byte[] RawFrame(byte[] header, byte[]? payload = null)
    {
        payload ??= [];
        var bytes = new byte[8 + header.Length + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)(4 + header.Length + payload.Length));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)header.Length);
        header.CopyTo(bytes, 8);
        payload.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private static Message FullMessage()
    {
        var payload = new PooledBuffer();
        payload.Write(new byte[] { 1, 2, 3, 250, 0, 7 });
        return new Message
        {
            Kind = MessageKind.Request,
            Flags = MessageFlags.OneWay | MessageFlags.AlwaysInterleave | MessageFlags.FromCache,
            Status = ResponseStatus.Rejected,
            CorrelationId = long.MaxValue - 3,
            TargetGrain = new GrainId("counter", "ключ/🔑"),
            InterfaceId = 0xDEADBEEF,
            MethodId = 0x80000001,
            SystemTarget = 77,
            TimeToLiveMs = int.MaxValue,
            ForwardCount = 255,
            SendingSilo = Sender,
            TargetSilo = Target,
            OriginNode = "edge-7",
            ServiceMicroseconds = 123_456_789,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            RequestContext = new Dictionary<string, object>
            {
                ["s"] = "text",
                ["i"] = int.MinValue,
                ["l"] = long.MaxValue,
                ["d"] = -0.5,
                ["b"] = true,
                ["g"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
                ["bytes"] = new byte[] { 0, 255 },
            },
            Payload = payload,
        };
    }

    private static void AssertEqual(Message expected, Message actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.CorrelationId, actual.CorrelationId);
        Assert.Equal(expected.TargetGrain, actual.TargetGrain);
        Assert.Equal(expected.InterfaceId, actual.InterfaceId);
        Assert.Equal(expected.MethodId, actual.MethodId);
        Assert.Equal(expected.SystemTarget, actual.SystemTarget);
        Assert.Equal(expected.TimeToLiveMs, actual.TimeToLiveMs);
        Assert.Equal(expected.ForwardCount, actual.ForwardCount);
        Assert.Equal(expected.SendingSilo, actual.SendingSilo);
        Assert.Equal(expected.TargetSilo, actual.TargetSilo);
        Assert.Equal(expected.OriginNode, actual.OriginNode);
        Assert.Equal(expected.ServiceMicroseconds, actual.ServiceMicroseconds);
        Assert.Equal(expected.TraceParent, actual.TraceParent);
        Assert.Equal(expected.RequestContext!.OrderBy(p => p.Key), actual.RequestContext!.OrderBy(p => p.Key));
        Assert.IsType<int>(actual.RequestContext!["i"]);
        Assert.IsType<long>(actual.RequestContext["l"]);
        Assert.Equal(expected.PayloadSpan.ToArray(), actual.PayloadSpan.ToArray());
    }
}
