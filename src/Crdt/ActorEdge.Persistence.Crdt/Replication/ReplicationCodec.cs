using ActorEdge.Crdt;
using ActorEdge.Serialization;

namespace ActorEdge.Persistence.Crdt.Replication;

/// <summary>
/// One update of a key, as logged for retransmission and replicated. <paramref name="WholeState"/>: the delta is the key's
/// whole state after the update, so it includes every earlier delta of the key (IWholeStateDelta).
/// <paramref name="DotOnly"/>: the record arrived as its dot alone, a later record of its key in the
/// same batch carrying its effect (<see cref="Delta"/> is then empty).
/// </summary>
internal sealed record DeltaRecord(ulong Sequence, string Key, string Type, ulong DotCounter, ReadOnlyMemory<byte> Delta, long WallMilliseconds, bool WholeState = false, bool DotOnly = false);

/// <summary>
/// A delta as read from a batch, before its key is resolved: sessionless records carry key and type;
/// session records carry a key number (with key and type the first time) and a wall clock relative
/// to the session's base. <see cref="Delta"/> is a slice of the received message, valid while it is handled.
/// </summary>
internal readonly record struct WireDelta(string? Key, string? Type, ulong? KeyNumber, ulong DotCounter, ReadOnlyMemory<byte> Delta, long Wall, bool DotOnly);

/// <summary>The full state of one key, as exchanged by anti-entropy, full sync and bootstrap.</summary>
internal sealed record StateRecord(string Key, string Type, CausalContext Version, byte[] State);

/// <summary>Encodings of replication messages and journal records (tagged fields).</summary>
internal static class ReplicationCodec
{
    public const uint MethodDeltas = 1, MethodFullSync = 2, MethodDigest = 3, MethodPushStates = 4, MethodBootstrap = 5;

    public const uint JournalUpdate = 1, JournalState = 2, JournalDelivered = 3, JournalDropped = 4, JournalBatch = 5;

    public delegate void Body(ref Writer writer);

    public static byte[] Encode(Body body)
    {
        using var output = EncodePooled(body);
        return output.ToArray();
    }

    /// <summary>Encodes into a buffer rented from the pool, for bytes used once (a journal record): the caller disposes it.</summary>
    public static PooledBuffer EncodePooled(Body body)
    {
        var output = new PooledBuffer();
        var w = new Writer(output);
        body(ref w);
        w.Commit();
        return output;
    }

    public static void WriteString(ref Writer w, uint field, string value)
    {
        w.WriteFieldHeader(field, WireType.LengthPrefixed);
        w.WriteUtf8(value);
    }

    public static void WriteUInt64(ref Writer w, uint field, ulong value)
    {
        w.WriteFieldHeader(field, WireType.VarInt);
        w.WriteVarUInt64(value);
    }

    public static void WriteBytes(ref Writer w, uint field, ReadOnlySpan<byte> value)
    {
        w.WriteFieldHeader(field, WireType.LengthPrefixed);
        w.WriteLengthPrefixed(value);
    }

    public static void WriteContext(ref Writer w, uint field, CausalContext context)
    {
        w.WriteStartObject(field);
        context.WriteBody(ref w);
        w.WriteEndObject();
    }

    public static string ReadString(ref Reader r, WireType wireType)
    {
        Expect(wireType, WireType.LengthPrefixed);
        return r.ReadUtf8();
    }

    public static ulong ReadUInt64(ref Reader r, WireType wireType)
    {
        Expect(wireType, WireType.VarInt);
        return r.ReadVarUInt64();
    }

    public static long ReadInt64(ref Reader r, WireType wireType)
    {
        Expect(wireType, WireType.VarInt);
        return r.ReadVarInt64();
    }

    public static byte[] ReadBytes(ref Reader r, WireType wireType)
    {
        Expect(wireType, WireType.LengthPrefixed);
        return r.ReadLengthPrefixed().ToArray();
    }

    public static CausalContext ReadContext(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        return CausalContext.ReadBody(ref r);
    }

    public static void WriteDelta(ref Writer w, uint field, DeltaRecord record, bool dotOnly = false)
    {
        w.WriteStartObject(field);
        WriteString(ref w, 1, record.Key);
        WriteString(ref w, 2, record.Type);
        WriteUInt64(ref w, 3, record.DotCounter);
        WriteDeltaOrDotOnly(ref w, record, dotOnly);
        w.WriteFieldHeader(5, WireType.VarInt);
        w.WriteVarInt64(record.WallMilliseconds);
        w.WriteEndObject();
    }

    /// <summary>
    /// A delta of a link session: field 6 is the key's number in the session, preceded by the key
    /// and type (fields 1, 2) only when <paramref name="defineKey"/>; field 7 the wall clock
    /// relative to the session's base. Later deltas of the key cost a byte or two for it.
    /// </summary>
    public static void WriteSessionDelta(ref Writer w, uint field, DeltaRecord record, ulong keyNumber, bool defineKey, long wallBase, bool dotOnly = false)
    {
        w.WriteStartObject(field);
        if (defineKey)
        {
            WriteString(ref w, 1, record.Key);
            WriteString(ref w, 2, record.Type);
        }
        WriteUInt64(ref w, 6, keyNumber);
        WriteUInt64(ref w, 3, record.DotCounter);
        WriteDeltaOrDotOnly(ref w, record, dotOnly);
        w.WriteFieldHeader(7, WireType.VarInt);
        w.WriteVarInt64(record.WallMilliseconds - wallBase);
        w.WriteEndObject();
    }

    // Field 4 is the delta's bytes; field 8 set instead says a later record of the key in the batch carries its effect.
    private static void WriteDeltaOrDotOnly(ref Writer w, DeltaRecord record, bool dotOnly)
    {
        if (dotOnly)
        {
            WriteUInt64(ref w, 8, 1);
        }
        else
        {
            WriteBytes(ref w, 4, record.Delta.Span);
        }
    }

    /// <summary>Reads a delta written by <see cref="WriteDelta"/> or <see cref="WriteSessionDelta"/> (Wall is then relative).</summary>
    /// <summary>
    /// Reads a delta of a batch; <paramref name="message"/> is the memory <paramref name="r"/> reads:
    /// the delta's bytes are a slice of it rather than a copy (a 100 KB delta would otherwise be
    /// copied onto the large object heap by every receiver before being decoded).
    /// </summary>
    public static WireDelta ReadWireDelta(ref Reader r, WireType wireType, ReadOnlyMemory<byte> message)
    {
        r.EnterObject(wireType);
        string? key = null, type = null;
        ulong? number = null;
        ulong dot = 0;
        ReadOnlyMemory<byte>? delta = null;
        long wall = 0;
        var dotOnly = false;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: key = ReadString(ref r, inner); break;
                case 2: type = ReadString(ref r, inner); break;
                case 3: dot = ReadUInt64(ref r, inner); break;
                case 4:
                    Expect(inner, WireType.LengthPrefixed);
                    var bytes = r.ReadLengthPrefixed().Length;
                    delta = message.Slice(r.Position - bytes, bytes);
                    break;
                case 5 or 7: Expect(inner, WireType.VarInt); wall = r.ReadVarInt64(); break;
                case 6: number = ReadUInt64(ref r, inner); break;
                case 8: dotOnly = ReadUInt64(ref r, inner) != 0; break;
                default: r.SkipField(inner); break;
            }
        }
        if ((key is null) != (type is null) || (key is null && number is null) || dot == 0 || (delta is null) != dotOnly)
        {
            throw new SerializationException("A replicated delta lacks its key (or key number), type or dot, or has both or neither of its bytes and the dot-only mark.");
        }
        return new WireDelta(key, type, number, dot, delta ?? ReadOnlyMemory<byte>.Empty, wall, dotOnly);
    }

    public static void WriteState(ref Writer w, uint field, StateRecord record)
    {
        w.WriteStartObject(field);
        WriteString(ref w, 1, record.Key);
        WriteString(ref w, 2, record.Type);
        WriteContext(ref w, 3, record.Version);
        WriteBytes(ref w, 4, record.State);
        w.WriteEndObject();
    }

    public static StateRecord ReadState(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? key = null, type = null;
        CausalContext? version = null;
        byte[]? state = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: key = ReadString(ref r, inner); break;
                case 2: type = ReadString(ref r, inner); break;
                case 3: version = ReadContext(ref r, inner); break;
                case 4: state = ReadBytes(ref r, inner); break;
                default: r.SkipField(inner); break;
            }
        }
        if (key is null || type is null || version is null || state is null)
        {
            throw new SerializationException("A replicated state lacks its key, type, version or bytes.");
        }
        return new StateRecord(key, type, version, state);
    }

    public static void WriteDelivered(ref Writer w, uint field, string replica, ulong sequence)
    {
        w.WriteStartObject(field);
        WriteString(ref w, 1, replica);
        WriteUInt64(ref w, 2, sequence);
        w.WriteEndObject();
    }

    public static (string Replica, ulong Sequence) ReadDelivered(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? replica = null;
        ulong sequence = 0;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: replica = ReadString(ref r, inner); break;
                case 2: sequence = ReadUInt64(ref r, inner); break;
                default: r.SkipField(inner); break;
            }
        }
        return (replica ?? throw new SerializationException("A delivery mark lacks its replica."), sequence);
    }

    private static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            Reader.ThrowUnexpectedWireType(expected, actual);
        }
    }
}
