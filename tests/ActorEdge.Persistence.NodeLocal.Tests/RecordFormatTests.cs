using ActorEdge.Serialization;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal;

public sealed class RecordFormatTests
{
    [Fact]
    public void WriteHeader_ThenTryReadHeader_ReturnsTheSameFields()
    {
        var bytes = new byte[RecordFormat.HeaderSize + 5];
        RecordFormat.WriteHeader(bytes, new RecordHeader(ulong.MaxValue - 1, IsTombstone: true, 5, 0xDEADBEEF));

        var error = RecordFormat.TryReadHeader(bytes, bytes.Length, out var header);

        Assert.Null(error);
        Assert.Equal(new RecordHeader(ulong.MaxValue - 1, true, 5, 0xDEADBEEF), header);
    }

    [Fact]
    public void TryReadHeader_FormatVersionFromTheFuture_NamesBothVersions()
    {
        var bytes = new byte[RecordFormat.HeaderSize];
        RecordFormat.WriteHeader(bytes, new RecordHeader(1, false, 0, Crc32C.Compute([])));
        bytes[4] = 2;
        // Recompute the header checksum so that only the format version is wrong.
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), Crc32C.Compute(bytes.AsSpan(0, 28)));

        Assert.Equal("its format version is 2, this version reads 1", RecordFormat.TryReadHeader(bytes, bytes.Length, out _));
    }

    [Fact]
    public void TryReadHeader_ShorterThanAHeader_SaysSo()
    {
        Assert.Equal("it is 7 bytes long, shorter than the 32-byte header", RecordFormat.TryReadHeader(new byte[7], 7, out _));
    }
}
