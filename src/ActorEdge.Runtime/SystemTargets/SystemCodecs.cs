using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.SystemTargets;

/// <summary>Encodings of the records that silo services exchange (tagged fields, like everything on the wire).</summary>
internal static class SystemCodecs
{
    public static void WriteEntry(ref Writer w, uint field, SiloEntry entry)
    {
        w.WriteStartObject(field);
        MessageSerializer.WriteSilo(ref w, 1, entry.Address);
        WriteString(ref w, 2, entry.SiloName);
        WriteString(ref w, 3, entry.NodeName);
        if (entry.Zone is { } zone)
        {
            WriteString(ref w, 4, zone);
        }
        w.WriteFieldHeader(5, WireType.VarInt);
        w.WriteVarUInt32((uint)entry.Status);
        w.WriteFieldHeader(6, WireType.VarInt);
        w.WriteVarInt64(entry.LastHeartbeat.UtcTicks);
        w.WriteEndObject();
    }

    public static SiloEntry ReadEntry(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        SiloAddress? silo = null;
        string name = string.Empty, node = string.Empty;
        string? zone = null;
        var status = SiloStatus.Joining;
        long heartbeat = 0;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: silo = MessageSerializer.ReadSilo(ref r, inner); break;
                case 2: name = r.ReadUtf8(); break;
                case 3: node = r.ReadUtf8(); break;
                case 4: zone = r.ReadUtf8(); break;
                case 5: status = (SiloStatus)r.ReadVarUInt32(); break;
                case 6: heartbeat = r.ReadVarInt64(); break;
                default: r.SkipField(inner); break;
            }
        }
        return new SiloEntry(silo ?? throw new SerializationException("A silo entry has no address."), name, node, zone, status, new DateTimeOffset(heartbeat, TimeSpan.Zero));
    }

    public static void WriteAddress(ref Writer w, uint field, GrainAddress address)
    {
        w.WriteStartObject(field);
        WriteGrainId(ref w, 1, address.GrainId);
        MessageSerializer.WriteSilo(ref w, 2, address.Silo);
        w.WriteFieldHeader(3, WireType.VarInt);
        w.WriteVarInt64(address.ActivationId);
        w.WriteEndObject();
    }

    public static GrainAddress ReadAddress(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        GrainId grainId = default;
        SiloAddress? silo = null;
        long activation = 0;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: grainId = ReadGrainId(ref r, inner); break;
                case 2: silo = MessageSerializer.ReadSilo(ref r, inner); break;
                case 3: activation = r.ReadVarInt64(); break;
                default: r.SkipField(inner); break;
            }
        }
        if (grainId.IsDefault || silo is null)
        {
            throw new SerializationException("A grain address lacks its grain id or silo.");
        }
        return new GrainAddress(grainId, silo, activation);
    }

    public static void WriteGrainId(ref Writer w, uint field, GrainId grainId)
    {
        w.WriteStartObject(field);
        WriteString(ref w, 1, grainId.Type);
        WriteString(ref w, 2, grainId.Key);
        w.WriteEndObject();
    }

    public static GrainId ReadGrainId(ref Reader r, WireType wireType)
    {
        r.EnterObject(wireType);
        string? type = null, key = null;
        while (r.TryReadFieldHeader(out var field, out var inner))
        {
            switch (field)
            {
                case 1: type = r.ReadUtf8(); break;
                case 2: key = r.ReadUtf8(); break;
                default: r.SkipField(inner); break;
            }
        }
        return type is { Length: > 0 } && key is not null ? new GrainId(type, key) : throw new SerializationException("A grain id lacks its type or key.");
    }

    public static void WriteString(ref Writer w, uint field, string value)
    {
        w.WriteFieldHeader(field, WireType.LengthPrefixed);
        w.WriteUtf8(value);
    }
}
