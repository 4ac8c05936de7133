using System.Net;
using System.Text;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Messaging;

/// <summary>
/// Decoded silo addresses and grain types keyed by their wire bytes. Every frame on a connection
/// names the same few silos and grain types, so reading a header allocates them only the first
/// time. Slots are overwritten on collision and hold immutable values that are checked against
/// the bytes before use, so concurrent readers need no lock.
/// </summary>
internal static class WireCache
{
    private const int Slots = 256;
    private const int MaxCachedGrainTypeLength = 256;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SiloAddress?[] Silos = new SiloAddress?[Slots];
    private static readonly Utf8Entry?[] GrainTypes = new Utf8Entry?[Slots];

    public static SiloAddress GetSilo(ReadOnlySpan<byte> address, int port, long generation)
    {
        var hash = new HashCode();
        hash.AddBytes(address);
        hash.Add(port);
        hash.Add(generation);
        ref var slot = ref Silos[hash.ToHashCode() & (Slots - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Generation == generation && cached.Endpoint.Port == port && HasBytes(cached.Endpoint.Address, address))
        {
            return cached;
        }
        var created = new SiloAddress(new IPEndPoint(new IPAddress(address), port), generation);
        Volatile.Write(ref slot, created);
        return created;
    }

    public static string GetGrainType(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }
        if (utf8.Length > MaxCachedGrainTypeLength)
        {
            return Decode(utf8);
        }
        ref var slot = ref GrainTypes[HashOf(utf8) & (Slots - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && utf8.SequenceEqual(cached.Bytes))
        {
            return cached.Value;
        }
        var value = Decode(utf8);
        Volatile.Write(ref slot, new Utf8Entry(utf8.ToArray(), value));
        return value;
    }

    private static bool HasBytes(IPAddress address, ReadOnlySpan<byte> bytes)
    {
        Span<byte> own = stackalloc byte[16];
        return address.TryWriteBytes(own, out var length) && own[..length].SequenceEqual(bytes);
    }

    private static int HashOf(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    private static string Decode(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new SerializationException("Invalid UTF-8 in a string field.", e);
        }
    }

    private sealed record Utf8Entry(byte[] Bytes, string Value);
}
