using System.Buffers;
using System.Text;
using Xunit;

namespace ActorEdge.Redis.Protocol;

public sealed class RespParserTests
{
    private const int Max = 1024 * 1024;

    [Fact]
    public void TryRead_SimpleString_ReturnsText()
    {
        var reply = ReadOne("+OK\r\n");
        Assert.Equal(RedisReplyType.SimpleString, reply.Type);
        Assert.True(reply.IsOk);
        Assert.Equal("OK", reply.AsString());
        Assert.Equal("hello world", ReadOne("+hello world\r\n").AsString());
    }

    [Fact]
    public void TryRead_Error_ReturnsErrorReply()
    {
        var reply = ReadOne("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        Assert.Equal(RedisReplyType.Error, reply.Type);
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", reply.AsString());
        var thrown = Assert.Throws<RedisWrongTypeException>(reply.ThrowIfError);
        Assert.Equal("WRONGTYPE", thrown.Prefix);
    }

    [Theory]
    [InlineData(":0\r\n", 0L)]
    [InlineData(":42\r\n", 42L)]
    [InlineData(":-7\r\n", -7L)]
    [InlineData(":9223372036854775807\r\n", long.MaxValue)]
    [InlineData(":-9223372036854775808\r\n", long.MinValue)]
    public void TryRead_Integer_ReturnsValue(string text, long expected)
    {
        var reply = ReadOne(text);
        Assert.Equal(RedisReplyType.Integer, reply.Type);
        Assert.Equal(expected, reply.AsInt64());
    }

    [Fact]
    public void TryRead_BulkString_ReturnsBinarySafeBytes()
    {
        var reply = ReadOne("$8\r\na\r\nb\0c\r\n\r\n");
        Assert.Equal(RedisReplyType.BulkString, reply.Type);
        Assert.Equal("a\r\nb\0c\r\n"u8.ToArray(), reply.Bytes.ToArray());
    }

    [Fact]
    public void TryRead_EmptyAndNullBulkString_AreDistinct()
    {
        var empty = ReadOne("$0\r\n\r\n");
        Assert.Equal(RedisReplyType.BulkString, empty.Type);
        Assert.Equal(0, empty.Bytes.Length);
        Assert.True(ReadOne("$-1\r\n").IsNull);
        Assert.True(ReadOne("*-1\r\n").IsNull);
    }

    [Fact]
    public void TryRead_NestedArrays_ReturnsTree()
    {
        var reply = ReadOne("*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n");
        Assert.Equal(RedisReplyType.Array, reply.Type);
        Assert.Equal(3, reply.Length);
        Assert.Equal(1, reply[0].AsInt64());
        Assert.Equal(2, reply[1].Length);
        Assert.Equal("a", reply[1][0].AsString());
        Assert.Equal(RedisReplyType.Array, reply[1][1].Type);
        Assert.Equal(0, reply[1][1].Length);
        Assert.True(reply[2].IsNull);
    }

    [Fact]
    public void TryRead_ErrorInsideArray_IsAnElement()
    {
        var reply = ReadOne("*2\r\n+OK\r\n-ERR nope\r\n");
        Assert.Equal(RedisReplyType.Error, reply[1].Type);
        Assert.Equal("ERR nope", Assert.Throws<RedisServerException>(reply[1].ThrowIfError).Message);
    }

    [Fact]
    public void TryRead_Resp3Scalars_ReturnTypedValues()
    {
        Assert.True(ReadOne("_\r\n").IsNull);
        Assert.True(ReadOne("#t\r\n").AsBoolean());
        Assert.False(ReadOne("#f\r\n").AsBoolean());
        Assert.Equal(RedisReplyType.Boolean, ReadOne("#t\r\n").Type);
        Assert.Equal(3.25, ReadOne(",3.25\r\n").AsDouble());
        Assert.Equal(-1e10, ReadOne(",-1e10\r\n").AsDouble());
        Assert.Equal(double.PositiveInfinity, ReadOne(",inf\r\n").AsDouble());
        Assert.Equal(double.NegativeInfinity, ReadOne(",-inf\r\n").AsDouble());
        Assert.True(double.IsNaN(ReadOne(",nan\r\n").AsDouble()));
        var big = ReadOne("(3492890328409238509324850943850943825024385\r\n");
        Assert.Equal(RedisReplyType.BigNumber, big.Type);
        Assert.Equal("3492890328409238509324850943850943825024385", big.AsString());
    }

    [Fact]
    public void TryRead_Resp3BlobErrorAndVerbatim_ReturnErrorAndText()
    {
        var error = ReadOne("!21\r\nSYNTAX invalid syntax\r\n");
        Assert.Equal(RedisReplyType.Error, error.Type);
        Assert.Equal("SYNTAX invalid syntax", error.AsString());
        var verbatim = ReadOne("=15\r\ntxt:Some string\r\n");
        Assert.Equal(RedisReplyType.BulkString, verbatim.Type);
        Assert.Equal("Some string", verbatim.AsString());
    }

    [Fact]
    public void TryRead_Resp3Aggregates_ReturnMapSetAndPush()
    {
        var map = ReadOne("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
        Assert.Equal(RedisReplyType.Map, map.Type);
        Assert.Equal(4, map.Length);
        Assert.Equal("first", map[0].AsString());
        Assert.Equal(1, map[1].AsInt64());
        Assert.Equal("second", map[2].AsString());
        Assert.Equal(2, map[3].AsInt64());

        var set = ReadOne("~2\r\n+a\r\n+b\r\n");
        Assert.Equal(RedisReplyType.Set, set.Type);
        Assert.Equal("a", set[0].AsString());
        Assert.Equal("b", set[1].AsString());

        var push = ReadOne(">3\r\n+message\r\n+channel\r\n$5\r\nhello\r\n");
        Assert.Equal(RedisReplyType.Push, push.Type);
        Assert.Equal("hello", push[2].AsString());
    }

    [Fact]
    public void TryRead_Attribute_IsSkippedAndTheReplyReturned()
    {
        var reply = ReadOne("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n");
        Assert.Equal(RedisReplyType.Array, reply.Type);
        Assert.Equal(2, reply[0].AsInt64());
    }

    [Fact]
    public void TryRead_TwoRepliesInOneBuffer_ReadsThemInOrder()
    {
        var buffer = new ReadOnlySequence<byte>("+OK\r\n:5\r\n"u8.ToArray());
        Assert.True(RespParser.TryRead(buffer, Max, out var first, out var consumed));
        Assert.Equal("OK", first.AsString());
        buffer = buffer.Slice(consumed);
        Assert.True(RespParser.TryRead(buffer, Max, out var second, out consumed));
        Assert.Equal(5, second.AsInt64());
        Assert.True(buffer.Slice(consumed).IsEmpty);
    }

    public static TheoryData<string> CompositeReplies => new()
    {
        "+OK\r\n",
        "-ERR unknown command 'FOO'\r\n",
        ":123456\r\n",
        "$12\r\nhello\r\nworld\r\n",
        "*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n$-1\r\n$0\r\n\r\n",
        "%1\r\n+k\r\n~2\r\n#t\r\n,1.5\r\n",
        "|1\r\n+a\r\n:1\r\n=8\r\ntxt:text\r\n",
        "(12345678901234567890\r\n",
        "_\r\n",
        "!3\r\nERR\r\n",
    };

    // Every strict prefix is "not yet"; the whole reply, split into segments at every position, reads the same.
    [Theory]
    [MemberData(nameof(CompositeReplies))]
    public void TryRead_PartialFrames_NeedMoreUntilComplete(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(RespParser.TryRead(new ReadOnlySequence<byte>(bytes, 0, length), Max, out _, out var consumed), $"prefix of {length} bytes");
            Assert.Equal(0, new ReadOnlySequence<byte>(bytes).Slice(0, consumed).Length);
        }
        var whole = ReadOne(text);
        for (var split = 1; split < bytes.Length; split++)
        {
            var sequence = Segments(bytes, split);
            Assert.True(RespParser.TryRead(sequence, Max, out var reply, out var consumed));
            Assert.Equal(sequence.End, consumed);
            Assert.Equal(Describe(whole), Describe(reply));
        }
    }

    [Fact]
    public void TryRead_LargeBulkStringAcrossManySegments_ReturnsAllBytes()
    {
        var payload = new byte[700_000];
        new Random(7).NextBytes(payload);
        var frame = Encoding.ASCII.GetBytes($"${payload.Length}\r\n").Concat(payload).Concat("\r\n"u8.ToArray()).ToArray();
        var sequence = Segments(frame, 4096);

        Assert.False(RespParser.TryRead(sequence.Slice(0, frame.Length - 1), Max, out _, out _));
        Assert.True(RespParser.TryRead(sequence, Max, out var reply, out _));

        Assert.Equal(payload, reply.Bytes.ToArray());
    }

    [Fact]
    public void TryRead_BulkLongerThanLimit_ThrowsBeforeTheDataArrives()
    {
        var error = Assert.Throws<RedisProtocolException>(() => RespParser.TryRead(new ReadOnlySequence<byte>("$2000000\r\nabc"u8.ToArray()), Max, out _, out _));
        Assert.Equal($"The reply is larger than RedisClientOptions.MaxReplyBytes (2000000 > {Max} bytes).", error.Message);
    }

    [Fact]
    public void TryRead_AggregateLargerThanLimit_Throws()
    {
        // 40 bulk strings of 100 bytes: each fits, the whole does not.
        var text = new StringBuilder("*40\r\n");
        for (var i = 0; i < 40; i++)
        {
            text.Append("$100\r\n").Append('x', 100).Append("\r\n");
        }
        var error = Assert.Throws<RedisProtocolException>(() => RespParser.TryRead(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text.ToString())), 2048, out _, out _));
        Assert.StartsWith("The reply is larger than RedisClientOptions.MaxReplyBytes (", error.Message);
    }

    [Theory]
    [InlineData("?what\r\n", "Malformed RESP reply: unknown type byte 0x3F ('?') at offset 0.")]
    [InlineData(":12a\r\n", "Malformed RESP reply: '12a' is not an integer.")]
    [InlineData(":\r\n", "Malformed RESP reply: '' is not an integer.")]
    [InlineData("$abc\r\n", "Malformed RESP reply: 'abc' is not an integer.")]
    [InlineData("$-2\r\n", "Malformed RESP reply: negative length -2.")]
    [InlineData("*-3\r\n", "Malformed RESP reply: negative element count -3.")]
    [InlineData("$3\r\nabcde\r\n", "Malformed RESP reply: a string of 3 bytes is not followed by CRLF.")]
    [InlineData("+OK\rX", "Malformed RESP reply: a CR is not followed by LF.")]
    [InlineData("#x\r\n", "Malformed RESP reply: a RESP3 boolean is neither t nor f.")]
    [InlineData(",abc\r\n", "Malformed RESP reply: 'abc' is not a double.")]
    [InlineData("_x\r\n", "Malformed RESP reply: a RESP3 null has content.")]
    [InlineData("(12x\r\n", "Malformed RESP reply: a big number has a non-digit.")]
    [InlineData(":1234567890123456789012345678901234567890", "Malformed RESP reply: no CRLF within 32 bytes.")]
    [InlineData("*1\r\n!x\r\n", "Malformed RESP reply: 'x' is not an integer.")]
    public void TryRead_Malformed_ThrowsProtocolException(string text, string message)
    {
        var error = Assert.Throws<RedisProtocolException>(() => RespParser.TryRead(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), Max, out _, out _));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void TryRead_NestingDeeperThanLimit_Throws()
    {
        var text = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth + 1)) + ":1\r\n";
        var error = Assert.Throws<RedisProtocolException>(() => RespParser.TryRead(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), Max, out _, out _));
        Assert.Equal($"Malformed RESP reply: aggregates nested deeper than {RespParser.MaxDepth}.", error.Message);
    }

    [Fact]
    public void TryRead_NestingAtLimit_Reads()
    {
        var text = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth)) + ":1\r\n";
        var reply = ReadOne(text);
        for (var i = 0; i < RespParser.MaxDepth; i++)
        {
            reply = reply[0];
        }
        Assert.Equal(1, reply.AsInt64());
    }

    private static RedisReply ReadOne(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));
        Assert.True(RespParser.TryRead(buffer, Max, out var reply, out var consumed));
        Assert.Equal(buffer.End, consumed);
        return reply;
    }

    private static string Describe(RedisReply reply) => reply.Type switch
    {
        RedisReplyType.Array or RedisReplyType.Map or RedisReplyType.Set or RedisReplyType.Push =>
            $"{reply.Type}[{string.Join(",", reply.Elements.ToArray().Select(Describe))}]",
        RedisReplyType.Null => "nil",
        _ => $"{reply.Type}:{reply.AsString()}",
    };

    // A sequence of segments of at most `size` bytes each.
    internal static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            if (first is null)
            {
                first = last = new Segment(chunk, 0);
            }
            else
            {
                last = last!.Append(chunk);
            }
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
