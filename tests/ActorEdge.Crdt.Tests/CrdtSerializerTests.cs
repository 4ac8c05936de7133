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

        // version 2, tag 1, body: entry { replica "a", count 3 }, end of body
        Assert.Equal("02-01-0C-0B-01-61-10-03-05-05", BitConverter.ToString(bytes));
    }

    [Fact]
    public void Serialize_ORSetAdd_WritesTheDotsReplicaOnce_AndRefersToItInTheEntry()
    {
        var set = new ORSet<string>();
        set.Add("r", "x");
        var delta = set.Add("r", "y");

        var bytes = CrdtSerializer.SerializeToArray(delta);

        // version 2, tag 5, context { cloud dot { "r", 2 } }, entry { replica #0, counter 2, "y" }, end
        Assert.Equal("02-05-0C-14-0B-01-72-10-02-05-05-14-08-00-10-02-1B-01-79-05-05", BitConverter.ToString(bytes));
        var read = CrdtSerializer.Deserialize<ORSet<string>>(bytes);
        Assert.Equal(["y"], read.Elements);
        Assert.Equal("{r:2}", read.Context.ToString());
    }

    [Fact]
    public void Serialize_WithTheOriginImplied_LeavesItsIdOut_AndNeedsItToRead()
    {
        var delta = new GCounter().Increment("origin-replica", 7);

        var bytes = CrdtSerializer.SerializeToArray(delta, "origin-replica");

        // version 2 with flag 0x40, tag 1, entry { replica #0, count 7 }, end
        Assert.Equal("42-01-0C-08-00-10-07-05-05", BitConverter.ToString(bytes));
        Assert.Equal(7ul, CrdtSerializer.Deserialize<GCounter>(bytes, "origin-replica").Counts["origin-replica"]);
        Assert.Contains("leaves its origin's replica id out", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(bytes)).Message, StringComparison.Ordinal);
        // Bytes written without the flag name every replica: an origin given to the reader changes nothing.
        Assert.Equal(7ul, CrdtSerializer.Deserialize<GCounter>(CrdtSerializer.SerializeToArray(delta), "someone-else").Counts["origin-replica"]);
        byte[] unknownFlag = [0x82, .. bytes[1..]];
        Assert.Contains("first byte 0x82", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(unknownFlag, "origin-replica")).Message, StringComparison.Ordinal);
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
        future[0] = 3;
        Assert.Contains("format version 3", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(future)).Message, StringComparison.Ordinal);

        // Format version 1 (a nested envelope of tagged fields), as earlier builds wrote a GCounter { a: 3 }.
        byte[] version1 = [0x00, 0x01, 0x08, 0x01, 0x14, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x05];
        Assert.Contains("format version 1 (first byte 0x00); this reader knows version 2 only", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(version1)).Message, StringComparison.Ordinal);

        // A dot with counter 0 inside a causal context.
        byte[] zeroDot = [0x02, 0x05, 0x0C, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x00, 0x05, 0x05, 0x05];
        Assert.Contains("counter 0", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORSet<string>>(zeroDot)).Message, StringComparison.Ordinal);

        // The same replica twice in a counter, inline and as a reference.
        byte[] twice = [0x02, 0x01, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x04, 0x05, 0x05];
        Assert.Contains("appears twice", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(twice)).Message, StringComparison.Ordinal);
        byte[] twiceByReference = [0x02, 0x01, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x0C, 0x08, 0x00, 0x10, 0x04, 0x05, 0x05];
        Assert.Contains("appears twice", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(twiceByReference)).Message, StringComparison.Ordinal);

        // A reference to a replica id not written before it.
        byte[] dangling = [0x02, 0x01, 0x0C, 0x08, 0x01, 0x10, 0x03, 0x05, 0x05];
        Assert.Contains("replica reference 1", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(dangling)).Message, StringComparison.Ordinal);

        // Bytes after the end of the value.
        byte[] trailing = [.. CrdtSerializer.SerializeToArray(new GCounter().Increment("a", 3)), 0x00];
        Assert.Contains("1 trailing byte(s)", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(trailing)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_UnknownFields_AreSkipped()
    {
        // A later writer added field 7 to the body and field 5 to an entry.
        byte[] bytes = [0x02, 0x01, 0x38, 0x05, 0x0C, 0x0B, 0x01, 0x61, 0x28, 0x2A, 0x10, 0x03, 0x05, 0x05];

        Assert.Equal(3ul, CrdtSerializer.Deserialize<GCounter>(bytes).Value);
    }
}
