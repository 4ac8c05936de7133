using System.Net;
using System.Net.Sockets;

namespace ActorEdge.Serialization;

/// <summary>The codec of <see cref="GrainId"/>.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; field 1 the grain type, field 2 the key (both
/// UTF-8 strings); <see cref="WireType.EndObject"/>. The default id is a <see cref="WireType.Null"/>
/// header. An object without a type or key throws <see cref="SerializationException"/>.
/// </remarks>
public sealed class GrainIdCodec : IFieldCodec<GrainId>
{
    /// <summary>The instance.</summary>
    public static readonly GrainIdCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, GrainId value)
    {
        if (value.IsDefault)
        {
            writer.WriteNull(fieldId);
            return;
        }
        writer.WriteStartObject(fieldId);
        writer.WriteFieldHeader(1, WireType.LengthPrefixed);
        writer.WriteUtf8(value.Type);
        writer.WriteFieldHeader(2, WireType.LengthPrefixed);
        writer.WriteUtf8(value.Key);
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public GrainId Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return default;
        }
        reader.EnterObject(wireType);
        string? type = null;
        string? key = null;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case 1:
                    CodecHelpers.Expect(fieldType, WireType.LengthPrefixed);
                    type = CodecHelpers.ReadString(ref reader);
                    break;
                case 2:
                    CodecHelpers.Expect(fieldType, WireType.LengthPrefixed);
                    key = CodecHelpers.ReadString(ref reader);
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        if (string.IsNullOrEmpty(type) || key is null)
        {
            CodecHelpers.ThrowMalformed("a GrainId without a grain type or key");
        }
        return new GrainId(type, key);
    }
}

/// <summary>The codec of <see cref="SiloAddress"/>; null is allowed.</summary>
/// <remarks>
/// Wire format: <see cref="WireType.StartObject"/>; field 1 the IP address bytes (4 or 16,
/// length-prefixed); field 2 the port (varint); field 3 the generation (zig-zag varint); field 4,
/// only for an IPv6 address with a scope id, the scope id (varint); <see cref="WireType.EndObject"/>.
/// Null is a <see cref="WireType.Null"/> header.
/// </remarks>
public sealed class SiloAddressCodec : IFieldCodec<SiloAddress>
{
    /// <summary>The instance.</summary>
    public static readonly SiloAddressCodec Instance = new();

    /// <inheritdoc />
    public void Write(ref Writer writer, uint fieldId, SiloAddress value)
    {
        if (value is null)
        {
            writer.WriteNull(fieldId);
            return;
        }
        var address = value.Endpoint.Address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        writer.WriteStartObject(fieldId);
        writer.WriteFieldHeader(1, WireType.LengthPrefixed);
        writer.WriteLengthPrefixed(bytes[..length]);
        writer.WriteFieldHeader(2, WireType.VarInt);
        writer.WriteVarUInt32((uint)value.Endpoint.Port);
        writer.WriteFieldHeader(3, WireType.VarInt);
        writer.WriteVarInt64(value.Generation);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            writer.WriteFieldHeader(4, WireType.VarInt);
            writer.WriteVarUInt64((ulong)address.ScopeId);
        }
        writer.WriteEndObject();
    }

    /// <inheritdoc />
    public SiloAddress Read(ref Reader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null!;
        }
        reader.EnterObject(wireType);
        IPAddress? address = null;
        var port = 0;
        long generation = 0;
        long scopeId = 0;
        while (reader.TryReadFieldHeader(out var fieldId, out var fieldType))
        {
            switch (fieldId)
            {
                case 1:
                    CodecHelpers.Expect(fieldType, WireType.LengthPrefixed);
                    var bytes = CodecHelpers.ReadBytes(ref reader);
                    if (bytes.Length is not (4 or 16))
                    {
                        CodecHelpers.ThrowMalformed($"an IP address of {bytes.Length} bytes");
                    }
                    address = new IPAddress(bytes);
                    break;
                case 2:
                    port = (int)CodecHelpers.ReadUnsigned(ref reader, fieldType, IPEndPoint.MaxPort, "port");
                    break;
                case 3:
                    CodecHelpers.Expect(fieldType, WireType.VarInt);
                    generation = reader.ReadVarInt64();
                    break;
                case 4:
                    scopeId = (long)CodecHelpers.ReadUnsigned(ref reader, fieldType, uint.MaxValue, "IPv6 scope id");
                    break;
                default:
                    CodecHelpers.SkipField(ref reader, fieldType);
                    break;
            }
        }
        if (address is null)
        {
            CodecHelpers.ThrowMalformed("a SiloAddress without an address");
        }
        if (scopeId != 0 && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.ScopeId = scopeId;
        }
        return new SiloAddress(new IPEndPoint(address, port), generation);
    }
}
