using System.Text;
using Xunit;

namespace ActorEdge.Redis.Protocol;

public sealed class RespWriterTests
{
    [Fact]
    public void WriteCommand_MixedArguments_WritesArrayOfBulkStrings()
    {
        using var buffer = new PooledBuffer(8);

        RespWriter.WriteCommand(buffer, "SET"u8, ["key", "vålue"u8.ToArray(), 42, -1L, ""]);

        Assert.Equal("*6\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvålue\r\n$2\r\n42\r\n$2\r\n-1\r\n$0\r\n\r\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WriteCommand_TextCommandAndUnicodeText_EncodesUtf8Lengths()
    {
        using var buffer = new PooledBuffer(8);

        RespWriter.WriteCommand(buffer, "ECHO", ["né"]);

        Assert.Equal("*2\r\n$4\r\nECHO\r\n$3\r\nné\r\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WriteBulk_LargeValue_GrowsAndCopiesEverything()
    {
        using var buffer = new PooledBuffer(16);
        var value = new byte[300_000];
        new Random(1).NextBytes(value);

        RespWriter.WriteBulk(buffer, value);

        Assert.Equal("$300000\r\n", Encoding.ASCII.GetString(buffer.WrittenSpan[..9]));
        Assert.True(buffer.WrittenSpan[9..^2].SequenceEqual(value));
        Assert.Equal("\r\n", Encoding.ASCII.GetString(buffer.WrittenSpan[^2..]));
    }
}
