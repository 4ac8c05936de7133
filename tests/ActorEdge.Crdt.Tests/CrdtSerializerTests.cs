using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;

namespace ActorEdge.Crdt.Tests;

/// <summary>The wire format: exact bytes, round trips, and rejection of corrupt input.</summary>
public sealed class CrdtSerializerTests
{
    [Fact]
    public void Serialize_GCounter_IsCompactAndVersioned()
    {
        var counter = new GCounter();
        counter.Increment("a", 3);

        var bytes = CrdtSerializer.SerializeToArray(counter);

        // version 1, tag 1, body { entry { replica "a", count 3 } }
        Assert.Equal("00-01-08-01-14-0C-0B-01-61-10-03-05-05", BitConverter.ToString(bytes));
    }

    [Fact]
    public void Deserialize_EveryStrictPrefix_ThrowsSerializationException()
    {
        var set = new ORSet<string>();
        set.Add("replica-1", "alpha");
        set.Add("replica-2", "beta");
        set.Remove("alpha");
        var bytes = CrdtSerializer.SerializeToArray(set);

        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORSet<string>>(prefix));
        }
        Assert.Equal(["beta"], CrdtSerializer.Deserialize<ORSet<string>>(bytes).Elements);
    }

    [Fact]
    public void Deserialize_RandomCorruption_ThrowsOnlySerializationException()
    {
        var map = new ORMap<string, PNCounter>();
        map.Update("a", "k", c => c.Increment("a", -4));
        map.Update("b", "j", c => c.Increment("b", 9));
        var bytes = CrdtSerializer.SerializeToArray(map);
        Prop.ForAll<int, byte>((position, value) =>
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[(int)((uint)position % (uint)corrupt.Length)] = value;
            try
            {
                CrdtSerializer.Deserialize<ORMap<string, PNCounter>>(corrupt);
            }
            catch (SerializationException)
            {
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Deserialize_OtherTypeOrVersionOrImpossibleContent_ThrowsWithReason()
    {
        var counter = CrdtSerializer.SerializeToArray(new GCounter());
        var otherType = Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<PNCounter>(counter));
        Assert.Contains("type tag 1", otherType.Message, StringComparison.Ordinal);

        var future = (byte[])counter.Clone();
        future[1] = 2;
        Assert.Contains("format version 2", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(future)).Message, StringComparison.Ordinal);

        // A dot with counter 0 inside a causal context.
        byte[] zeroDot = [0x00, 0x01, 0x08, 0x05, 0x14, 0x0C, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x00, 0x05, 0x05, 0x05];
        Assert.Contains("counter 0", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORSet<string>>(zeroDot)).Message, StringComparison.Ordinal);

        // The same replica twice in a counter.
        byte[] twice = [0x00, 0x01, 0x08, 0x01, 0x14, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x04, 0x05, 0x05];
        Assert.Contains("appears twice", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(twice)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_UnknownFields_AreSkipped()
    {
        // A later writer added field 9 at the top level and field 7 in the body.
        byte[] bytes = [0x00, 0x01, 0x08, 0x01, 0x48, 0x2A, 0x14, 0x38, 0x05, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x05];

        Assert.Equal(3ul, CrdtSerializer.Deserialize<GCounter>(bytes).Value);
    }
}
