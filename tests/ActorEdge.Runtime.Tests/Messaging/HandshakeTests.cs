using System.Buffers;
using System.Net;
using ActorEdge.Runtime.Messaging;

namespace ActorEdge.Runtime.Tests.Messaging;

public sealed class HandshakeTests
{
    private static readonly SiloAddress Silo = new(new IPEndPoint(IPAddress.Loopback, 30000), 42);

    [Fact]
    public void TryRead_SiloHandshake_ReturnsItsIdentityAndConsumesIt()
    {
        var identity = new PeerIdentity(PeerRole.Silo, "cluster-a", "node-1", Silo, Guid.Empty);
        var buffer = new ReadOnlySequence<byte>([.. Bytes(identity), 0xAA]);

        Assert.True(Handshake.TryRead(ref buffer, out var read));

        Assert.Equal(identity, read);
        Assert.Equal(1, buffer.Length);
    }

    [Fact]
    public void TryRead_ClientHandshake_ReturnsItsIdentity()
    {
        var identity = new PeerIdentity(PeerRole.Client, "cluster-a", null, null, Guid.Parse("5b2c4a7e-93a2-4c43-9d0d-4d2b8a1f6e10"));
        var buffer = new ReadOnlySequence<byte>(Bytes(identity));

        Assert.True(Handshake.TryRead(ref buffer, out var read));

        Assert.Equal(identity, read);
    }

    [Fact]
    public void TryRead_EveryProperPrefix_ReturnsFalse()
    {
        var bytes = Bytes(new PeerIdentity(PeerRole.Silo, "cluster-a", "node-1", Silo, Guid.Empty));
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);

            Assert.False(Handshake.TryRead(ref buffer, out var identity));

            Assert.Null(identity);
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void TryRead_WrongMagic_ThrowsInvalidDataException()
    {
        var bytes = Bytes(new PeerIdentity(PeerRole.Client, "c", null, null, Guid.NewGuid()));
        bytes[0] = (byte)'X';
        var buffer = new ReadOnlySequence<byte>(bytes);

        var error = Assert.Throws<InvalidDataException>(() => Handshake.TryRead(ref buffer, out _));

        Assert.Equal("The peer did not start with the ActorEdge handshake.", error.Message);
    }

    [Fact]
    public void TryRead_OtherProtocolVersion_ThrowsInvalidDataException()
    {
        var bytes = Bytes(new PeerIdentity(PeerRole.Client, "c", null, null, Guid.NewGuid()));
        bytes[4] = Handshake.ProtocolVersion + 1;
        var buffer = new ReadOnlySequence<byte>(bytes);

        var error = Assert.Throws<InvalidDataException>(() => Handshake.TryRead(ref buffer, out _));

        Assert.Equal($"The peer speaks protocol version {Handshake.ProtocolVersion + 1}; this process speaks {Handshake.ProtocolVersion}.", error.Message);
    }

    [Fact]
    public void TryRead_BodyLongerThanTheLimit_ThrowsBeforeTheBodyArrives()
    {
        // Only the prefix: the declared body of 4097 bytes is refused without waiting for it.
        var buffer = new ReadOnlySequence<byte>([.. "AEDG"u8, Handshake.ProtocolVersion, 0x01, 0x10]);

        var error = Assert.Throws<InvalidDataException>(() => Handshake.TryRead(ref buffer, out _));

        Assert.Equal("Handshake body of 4097 bytes exceeds 4096.", error.Message);
    }

    public static TheoryData<string, byte[]> InvalidBodies => new()
    {
        { "no role", [0x13, 0x01, 0x63] },
        { "no cluster id", [0x08, 0x02] },
        { "silo without its address", [0x08, 0x01, 0x13, 0x01, 0x63] },
        { "unknown role", [0x08, 0x07, 0x13, 0x01, 0x63] },
        { "truncated field", [0x08, 0x02, 0x13, 0x09, 0x63] },
        { "client id of 3 bytes", [0x08, 0x02, 0x13, 0x01, 0x63, 0x2B, 0x03, 1, 2, 3] },
        { "silo address of 5 bytes", [0x08, 0x01, 0x13, 0x01, 0x63, 0x24, 0x0B, 0x05, 1, 2, 3, 4, 5, 0x10, 0x01, 0x05] },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void TryRead_InvalidBody_ThrowsInvalidDataException(string what, byte[] body)
    {
        var buffer = new ReadOnlySequence<byte>([.. "AEDG"u8, Handshake.ProtocolVersion, (byte)body.Length, 0, .. body]);

        var error = Record.Exception(() => Handshake.TryRead(ref buffer, out _));

        Assert.True(error is InvalidDataException, $"{what}: {error?.GetType().Name ?? "no exception"} {error?.Message}");
    }

    internal static byte[] Bytes(PeerIdentity identity)
    {
        var output = new ArrayBufferWriter<byte>();
        Handshake.Write(identity, output);
        return output.WrittenSpan.ToArray();
    }
}
