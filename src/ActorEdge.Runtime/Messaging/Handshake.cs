using System.Buffers;
using System.Buffers.Binary;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Messaging;

/// <summary>
/// The first frame each side sends: <c>"AEDG"</c>, a protocol version byte, a u16 body length,
/// then the body (tagged fields: role, cluster id, node name, silo address, client id).
/// Anything else closes the connection before a single message is accepted.
/// </summary>
internal static class Handshake
{
    public const byte ProtocolVersion = 1;
    private const int PrefixLength = 7;
    private const int MaxBodyLength = 4096;
    private static ReadOnlySpan<byte> Magic => "AEDG"u8;

    public static void Write(PeerIdentity identity, IBufferWriter<byte> output)
    {
        var body = new ArrayBufferWriter<byte>(128);
        var w = new Writer(body);
        w.WriteFieldHeader(1, WireType.VarInt);
        w.WriteVarUInt32((uint)identity.Role);
        w.WriteFieldHeader(2, WireType.LengthPrefixed);
        w.WriteUtf8(identity.ClusterId);
        if (identity.NodeName is { } node)
        {
            w.WriteFieldHeader(3, WireType.LengthPrefixed);
            w.WriteUtf8(node);
        }
        if (identity.Silo is { } silo)
        {
            MessageSerializer.WriteSilo(ref w, 4, silo);
        }
        if (identity.ClientId != Guid.Empty)
        {
            Span<byte> id = stackalloc byte[16];
            identity.ClientId.TryWriteBytes(id);
            w.WriteFieldHeader(5, WireType.LengthPrefixed);
            w.WriteLengthPrefixed(id);
        }
        w.Commit();

        var prefix = output.GetSpan(PrefixLength);
        Magic.CopyTo(prefix);
        prefix[4] = ProtocolVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[5..], (ushort)body.WrittenCount);
        output.Advance(PrefixLength);
        output.Write(body.WrittenSpan);
    }

    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out PeerIdentity? identity)
    {
        identity = null;
        if (buffer.Length < PrefixLength)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        if (!prefix[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("The peer did not start with the ActorEdge handshake.");
        }
        if (prefix[4] != ProtocolVersion)
        {
            throw new InvalidDataException($"The peer speaks protocol version {prefix[4]}; this process speaks {ProtocolVersion}.");
        }
        var bodyLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[5..]);
        if (bodyLength > MaxBodyLength)
        {
            throw new InvalidDataException($"Handshake body of {bodyLength} bytes exceeds {MaxBodyLength}.");
        }
        if (buffer.Length < PrefixLength + bodyLength)
        {
            return false;
        }
        var body = buffer.Slice(PrefixLength, bodyLength).ToArray();
        buffer = buffer.Slice(PrefixLength + bodyLength);

        try
        {
            var r = new Reader(body);
            PeerRole role = 0;
            string? cluster = null, node = null;
            SiloAddress? silo = null;
            var client = Guid.Empty;
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                switch (field)
                {
                    case 1: role = (PeerRole)r.ReadVarUInt32(); break;
                    case 2: cluster = r.ReadUtf8(); break;
                    case 3: node = r.ReadUtf8(); break;
                    case 4: silo = MessageSerializer.ReadSilo(ref r, wireType); break;
                    case 5: client = RequestContextCodec.ReadGuid(ref r); break;
                    default: r.SkipField(wireType); break;
                }
            }
            if (role is not (PeerRole.Silo or PeerRole.Client) || cluster is null || (role == PeerRole.Silo && silo is null))
            {
                throw new InvalidDataException("The handshake lacks its role, cluster id or silo address.");
            }
            identity = new PeerIdentity(role, cluster, node, silo, client);
            return true;
        }
        catch (SerializationException e)
        {
            throw new InvalidDataException($"Malformed handshake: {e.Message}", e);
        }
    }
}
