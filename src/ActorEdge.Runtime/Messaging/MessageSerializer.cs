using System.Buffers;
using System.Buffers.Binary;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Messaging;

/// <summary>
/// The frame format on every connection: <c>[u32 frame length][u32 header length][header][payload]</c>,
/// little endian, lengths excluding the 4-byte frame length itself. The header is a sequence of
/// tagged fields (see <see cref="WireType"/>), so a newer peer may add fields an older one skips.
/// </summary>
internal static class MessageSerializer
{
    public const int FramePrefixLength = 8;

    private const uint KindField = 1, FlagsField = 2, StatusField = 3, CorrelationField = 4, InterfaceField = 5,
        MethodField = 6, TtlField = 7, ForwardField = 8, GrainTypeField = 9, GrainKeyField = 10, SendingSiloField = 11,
        TargetSiloField = 12, RequestContextField = 13, TraceParentField = 14, SystemTargetField = 15, OriginNodeField = 16,
        ServiceTimeField = 17;

    /// <summary>Writes the frame of <paramref name="message"/>; <paramref name="scratch"/> holds the header while its length is measured.</summary>
    public static void Write(Message message, IBufferWriter<byte> output, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        WriteHeader(message, scratch);
        var header = scratch.WrittenSpan;
        var payload = message.PayloadSpan;
        var prefix = output.GetSpan(FramePrefixLength);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)(4 + header.Length + payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[4..], (uint)header.Length);
        output.Advance(FramePrefixLength);
        Copy(header, output);
        Copy(payload, output);
    }

    /// <summary>
    /// Tries to take one frame from <paramref name="buffer"/>. Returns false when more bytes are
    /// needed; throws <see cref="InvalidDataException"/> for a frame that is oversized or malformed.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameLength, out Message? message)
    {
        message = null;
        if (buffer.Length < 4)
        {
            return false;
        }
        Span<byte> lengthBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(lengthBytes);
        var frameLength = BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (frameLength < 4 || frameLength > (uint)maxFrameLength)
        {
            throw new InvalidDataException($"Frame length {frameLength} is outside the accepted range [4, {maxFrameLength}].");
        }
        if (buffer.Length < 4 + frameLength)
        {
            return false;
        }

        var frame = buffer.Slice(4, frameLength);
        buffer = buffer.Slice(4 + frameLength);
        message = ReadFrame(frame);
        return true;
    }

    private static Message ReadFrame(ReadOnlySequence<byte> frame)
    {
        Span<byte> headerLengthBytes = stackalloc byte[4];
        frame.Slice(0, 4).CopyTo(headerLengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(headerLengthBytes);
        if (headerLength > frame.Length - 4)
        {
            throw new InvalidDataException($"Header length {headerLength} exceeds the frame ({frame.Length - 4} bytes).");
        }

        var headerSequence = frame.Slice(4, headerLength);
        byte[]? rented = null;
        var header = headerSequence.IsSingleSegment
            ? headerSequence.FirstSpan
            : (rented = ArrayPool<byte>.Shared.Rent((int)headerLength)).AsSpan(0, (int)headerLength);
        try
        {
            if (rented is not null)
            {
                headerSequence.CopyTo(rented);
            }
            var message = ReadHeader(header);
            var payload = frame.Slice(4 + headerLength);
            if (payload.Length > 0)
            {
                message.Payload = PooledBuffer.CopyOf(payload);
            }
            return message;
        }
        catch (SerializationException e)
        {
            throw new InvalidDataException($"Malformed message header: {e.Message}", e);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void WriteHeader(Message m, IBufferWriter<byte> output)
    {
        var w = new Writer(output);
        w.WriteFieldHeader(KindField, WireType.VarInt);
        w.WriteVarUInt32((uint)m.Kind);
        if (m.Flags != 0)
        {
            w.WriteFieldHeader(FlagsField, WireType.VarInt);
            w.WriteVarUInt32((uint)m.Flags);
        }
        if (m.Status != 0)
        {
            w.WriteFieldHeader(StatusField, WireType.VarInt);
            w.WriteVarUInt32((uint)m.Status);
        }
        w.WriteFieldHeader(CorrelationField, WireType.VarInt);
        w.WriteVarInt64(m.CorrelationId);
        if (m.InterfaceId != 0)
        {
            w.WriteFieldHeader(InterfaceField, WireType.Fixed32);
            w.WriteFixed32(m.InterfaceId);
        }
        if (m.MethodId != 0)
        {
            w.WriteFieldHeader(MethodField, WireType.Fixed32);
            w.WriteFixed32(m.MethodId);
        }
        if (m.TimeToLiveMs != 0)
        {
            w.WriteFieldHeader(TtlField, WireType.VarInt);
            w.WriteVarInt32(m.TimeToLiveMs);
        }
        if (m.ForwardCount != 0)
        {
            w.WriteFieldHeader(ForwardField, WireType.VarInt);
            w.WriteVarUInt32(m.ForwardCount);
        }
        if (!m.TargetGrain.IsDefault)
        {
            w.WriteFieldHeader(GrainTypeField, WireType.LengthPrefixed);
            w.WriteUtf8(m.TargetGrain.Type);
            w.WriteFieldHeader(GrainKeyField, WireType.LengthPrefixed);
            w.WriteUtf8(m.TargetGrain.Key);
        }
        if (m.SendingSilo is { } sending)
        {
            WriteSilo(ref w, SendingSiloField, sending);
        }
        if (m.TargetSilo is { } target)
        {
            WriteSilo(ref w, TargetSiloField, target);
        }
        if (m.RequestContext is { Count: > 0 } context)
        {
            RequestContextCodec.Write(ref w, RequestContextField, context);
        }
        if (m.TraceParent is { } traceParent)
        {
            w.WriteFieldHeader(TraceParentField, WireType.LengthPrefixed);
            w.WriteUtf8(traceParent);
        }
        if (m.SystemTarget != 0)
        {
            w.WriteFieldHeader(SystemTargetField, WireType.VarInt);
            w.WriteVarUInt32(m.SystemTarget);
        }
        if (m.OriginNode is { } origin)
        {
            w.WriteFieldHeader(OriginNodeField, WireType.LengthPrefixed);
            w.WriteUtf8(origin);
        }
        if (m.ServiceMicroseconds != 0)
        {
            w.WriteFieldHeader(ServiceTimeField, WireType.VarInt);
            w.WriteVarInt64(m.ServiceMicroseconds);
        }
        w.Commit();
    }

    private static Message ReadHeader(ReadOnlySpan<byte> header)
    {
        var m = new Message();
        var r = new Reader(header);
        string? grainType = null, grainKey = null;
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            switch (field)
            {
                case KindField: m.Kind = (MessageKind)r.ReadVarUInt32(); break;
                case FlagsField: m.Flags = (MessageFlags)r.ReadVarUInt32(); break;
                case StatusField: m.Status = (ResponseStatus)r.ReadVarUInt32(); break;
                case CorrelationField: m.CorrelationId = r.ReadVarInt64(); break;
                case InterfaceField: m.InterfaceId = r.ReadFixed32(); break;
                case MethodField: m.MethodId = r.ReadFixed32(); break;
                case TtlField: m.TimeToLiveMs = r.ReadVarInt32(); break;
                case ForwardField: m.ForwardCount = (byte)r.ReadVarUInt32(); break;
                case GrainTypeField: grainType = WireCache.GetGrainType(r.ReadLengthPrefixed()); break;
                case GrainKeyField: grainKey = r.ReadUtf8(); break;
                case SendingSiloField: m.SendingSilo = ReadSilo(ref r, wireType); break;
                case TargetSiloField: m.TargetSilo = ReadSilo(ref r, wireType); break;
                case RequestContextField: m.RequestContext = RequestContextCodec.Read(ref r, wireType); break;
                case TraceParentField: m.TraceParent = r.ReadUtf8(); break;
                case SystemTargetField: m.SystemTarget = r.ReadVarUInt32(); break;
                case OriginNodeField: m.OriginNode = r.ReadUtf8(); break;
                case ServiceTimeField: m.ServiceMicroseconds = r.ReadVarInt64(); break;
                default: r.SkipField(wireType); break;
            }
        }
        if (m.Kind is < MessageKind.Request or > MessageKind.CacheInvalidation)
        {
            throw new InvalidDataException($"Unknown message kind {(int)m.Kind}.");
        }
        if (grainType is { Length: > 0 } && grainKey is not null)
        {
            m.TargetGrain = new GrainId(grainType, grainKey);
        }
        else if (m.Kind is MessageKind.Request or MessageKind.CacheInvalidation)
        {
            // Both are addressed to a grain; without one the catalog and locator would fail far from the connection.
            throw new InvalidDataException($"A {m.Kind} message lacks its target grain.");
        }
        return m;
    }

    internal static void WriteSilo(ref Writer w, uint field, SiloAddress silo)
    {
        w.WriteStartObject(field);
        Span<byte> address = stackalloc byte[16];
        silo.Endpoint.Address.TryWriteBytes(address, out var length);
        w.WriteFieldHeader(1, WireType.LengthPrefixed);
        w.WriteLengthPrefixed(address[..length]);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarUInt32((uint)silo.Endpoint.Port);
        w.WriteFieldHeader(3, WireType.VarInt);
        w.WriteVarInt64(silo.Generation);
        w.WriteEndObject();
    }

    internal static SiloAddress ReadSilo(ref Reader r, WireType wireType)
    {
        ReadOnlySpan<byte> address = default;
        var hasAddress = false;
        var port = 0;
        long generation = 0;
        r.EnterObject(wireType);
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: address = r.ReadLengthPrefixed(); hasAddress = true; break;
                case 2: port = (int)r.ReadVarUInt32(); break;
                case 3: generation = r.ReadVarInt64(); break;
                default: r.SkipField(inner); break;
            }
        }
        if (!hasAddress || address.Length is not (4 or 16) || port is <= 0 or > 65535)
        {
            throw new SerializationException("A silo address lacks its address, has one of an invalid length, or has an invalid port.");
        }
        // Every frame names the same few silos: reuse the decoded address instead of allocating three objects.
        return WireCache.GetSilo(address, port, generation);
    }

    private static void Copy(ReadOnlySpan<byte> source, IBufferWriter<byte> output)
    {
        while (!source.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(source.Length, 64 * 1024));
            var n = Math.Min(span.Length, source.Length);
            source[..n].CopyTo(span);
            output.Advance(n);
            source = source[n..];
        }
    }
}
