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

        // version 3, tag 1, body: replica "a", its count 3, end of body
        Assert.Equal("03-01-0B-01-61-10-03-05", BitConverter.ToString(bytes));
    }

    [Fact]
    public void Serialize_ORSetAdd_WritesTheDotInTheEntryOnly()
    {
        var set = new ORSet<string>();
        set.Add("r", "x");
        var delta = set.Add("r", "y");

        var bytes = CrdtSerializer.SerializeToArray(delta);

        // version 3, tag 5, no context (its one dot is the entry's), entry { replica "r", counter 2, value "y" }, end
        Assert.Equal("03-05-14-0B-01-72-10-02-23-01-79-05-05", BitConverter.ToString(bytes));
        var read = CrdtSerializer.Deserialize<ORSet<string>>(bytes);
        Assert.Equal(["y"], read.Elements);
        Assert.Equal("{r:2}", read.Context.ToString());
    }

    [Fact]
    public void Serialize_FirstAdd_LeavesOutTheVectorEntryItsEntryImplies()
    {
        var delta = new ORSet<string>().Add("r", "x");

        var bytes = CrdtSerializer.SerializeToArray(delta);

        // version 3, tag 5, entry { replica "r", counter 1, value "x" }, end: the context r:1..1 is the entry's dot
        Assert.Equal("03-05-14-0B-01-72-10-01-23-01-78-05-05", BitConverter.ToString(bytes));
        Assert.Equal("{r:1..1}", CrdtSerializer.Deserialize<ORSet<string>>(bytes).Context.ToString());
    }

    [Fact]
    public void Serialize_ORMapUpdateDelta_NamesOnlyTheUpdater_AndItsReplacedDotAsADifference()
    {
        var map = new ORMap<string, PNCounter>();
        map.Update("a", "j", c => c.Increment("a", 1));
        map.Update("a", "k", c => c.Increment("a", 1));
        map.Merge(new ORMap<string, PNCounter>().Update("b", "k", c => c.Increment("b", 1)));
        map.Update("a", "j", c => c.Increment("a", 1));

        var delta = map.Update("a", "k", c => c.Increment("a", 1));
        var bytes = CrdtSerializer.SerializeToArray(delta);

        // version 3, tag 6, no context; key { "k", replica "a", counter 4, replaces 4 - 2,
        // value { replica #0, increments 2 } }, end. Replica b's dot of k stays: it is not named.
        Assert.Equal("03-06-14-0B-01-6B-13-01-61-18-04-20-02-2C-08-00-10-02-05-05-05", BitConverter.ToString(bytes));
        var read = CrdtSerializer.Deserialize<ORMap<string, PNCounter>>(bytes);
        Assert.Equal("{a:2, a:4}", read.Context.ToString());
        Assert.Equal(["k"], read.Keys);
        Assert.Equal("{a:1..4, b:1..1}", map.Context.ToString());
    }

    [Fact]
    public void Serialize_ORMapWithARemovedKey_KeepsItsValueWithoutDots_AndRoundTrips()
    {
        var map = new ORMap<string, GCounter>();
        map.Update("a", "gone", c => c.Increment("a", 2));
        map.Update("b", "kept", c => c.Increment("b", 3));
        map.Remove("gone");

        var read = CrdtSerializer.Deserialize<ORMap<string, GCounter>>(CrdtSerializer.SerializeToArray(map));

        Assert.Equal(["kept"], read.Keys);
        Assert.Equal("{a:1..1, b:1..1}", read.Context.ToString());
        read.Update("a", "gone", c => c.Increment("a", 1));
        Assert.True(read.TryGetValue("gone", out var resumed));
        Assert.Equal(3ul, resumed.Value);
        Assert.Equal(CrdtSerializer.SerializeToArray(map), CrdtSerializer.SerializeToArray(CrdtSerializer.Deserialize<ORMap<string, GCounter>>(CrdtSerializer.SerializeToArray(map))));
    }

    [Fact]
    public void Serialize_WithTheOriginImplied_LeavesItsIdOut_AndNeedsItToRead()
    {
        var delta = new GCounter().Increment("origin-replica", 7);

        var bytes = CrdtSerializer.SerializeToArray(delta, "origin-replica");

        // version 3 with flag 0x40, tag 1, replica #0, count 7, end
        Assert.Equal("43-01-08-00-10-07-05", BitConverter.ToString(bytes));
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

        var map = new ORMap<string, PNCounter>();
        map.Update("replica-1", "gone", c => c.Increment("replica-1", 2));
        map.Update("replica-2", "kept", c => c.Increment("replica-2", -3));
        map.Remove("gone");
        var delta = map.Update("replica-2", "kept", c => c.Increment("replica-2", 4));
        byte[][] maps = [CrdtSerializer.SerializeToArray(map), CrdtSerializer.SerializeToArray(delta)];

        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORSet<string>>(prefix));
        }
        foreach (var encoded in maps)
        {
            for (var length = 0; length < encoded.Length; length++)
            {
                var prefix = encoded[..length];
                Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORMap<string, PNCounter>>(prefix));
            }
        }
        Assert.Equal(["beta"], CrdtSerializer.Deserialize<ORSet<string>>(bytes).Elements);
        Assert.Equal(["kept"], CrdtSerializer.Deserialize<ORMap<string, PNCounter>>(maps[0]).Keys);
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
        future[0] = 4;
        Assert.Contains("format version 4", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(future)).Message, StringComparison.Ordinal);

        // Format version 1 (a nested envelope of tagged fields), as earlier builds wrote a GCounter { a: 3 }.
        byte[] version1 = [0x00, 0x01, 0x08, 0x01, 0x14, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x05];
        Assert.Contains("format version 1 (first byte 0x00); this reader knows version 3 only", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(version1)).Message, StringComparison.Ordinal);

        // Format version 2 (counter entries as nested objects), as earlier builds wrote the same counter.
        byte[] version2 = [0x02, 0x01, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x05, 0x05];
        Assert.Contains("format version 2 (first byte 0x02); this reader knows version 3 only", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(version2)).Message, StringComparison.Ordinal);

        // A dot with counter 0 inside a causal context.
        byte[] zeroDot = [0x03, 0x05, 0x0C, 0x0C, 0x0B, 0x01, 0x61, 0x10, 0x00, 0x05, 0x05, 0x05];
        Assert.Contains("counter 0", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORSet<string>>(zeroDot)).Message, StringComparison.Ordinal);

        // The same replica twice in a counter, inline and as a reference.
        byte[] twice = [0x03, 0x01, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x0B, 0x01, 0x61, 0x10, 0x04, 0x05];
        Assert.Contains("the count of a appears twice", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(twice)).Message, StringComparison.Ordinal);
        byte[] twiceByReference = [0x03, 0x01, 0x0B, 0x01, 0x61, 0x10, 0x03, 0x08, 0x00, 0x10, 0x04, 0x05];
        Assert.Contains("the count of a appears twice", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(twiceByReference)).Message, StringComparison.Ordinal);

        // A reference to a replica id not written before it.
        byte[] dangling = [0x03, 0x01, 0x08, 0x01, 0x10, 0x03, 0x05];
        Assert.Contains("replica reference 1", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(dangling)).Message, StringComparison.Ordinal);

        // Bytes after the end of the value.
        byte[] trailing = [.. CrdtSerializer.SerializeToArray(new GCounter().Increment("a", 3)), 0x00];
        Assert.Contains("1 trailing byte(s)", Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(trailing)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("count before any replica", new byte[] { 0x03, 0x01, 0x10, 0x03, 0x05 })]
    [InlineData("the counter entry of a has no count", new byte[] { 0x03, 0x01, 0x0B, 0x01, 0x61, 0x05 })]
    [InlineData("the counter entry of a has no count", new byte[] { 0x03, 0x02, 0x0B, 0x01, 0x61, 0x0B, 0x01, 0x62, 0x10, 0x01, 0x05 })]
    [InlineData("the count of a appears twice", new byte[] { 0x03, 0x02, 0x0B, 0x01, 0x61, 0x10, 0x01, 0x08, 0x00, 0x18, 0x01, 0x05 })]
    [InlineData("the count of a appears twice", new byte[] { 0x03, 0x02, 0x0B, 0x01, 0x61, 0x18, 0x01, 0x18, 0x02, 0x05 })]
    public void Deserialize_MalformedCounts_ThrowWithReason(string reason, byte[] bytes)
    {
        var tag = bytes[1];
        var error = tag == GCounter.TypeTag
            ? Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<GCounter>(bytes))
            : Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<PNCounter>(bytes));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    // An entry whose replaced dot is not below its own counter, or comes before its dot.
    [InlineData("r:2 replaces the dot 2 below it", new byte[] { 0x03, 0x05, 0x14, 0x0B, 0x01, 0x72, 0x10, 0x02, 0x18, 0x02, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    [InlineData("r:2 replaces the dot 0 below it", new byte[] { 0x03, 0x05, 0x14, 0x0B, 0x01, 0x72, 0x10, 0x02, 0x18, 0x00, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    [InlineData("does not follow the counter of its dot", new byte[] { 0x03, 0x05, 0x14, 0x18, 0x01, 0x0B, 0x01, 0x72, 0x10, 0x02, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    [InlineData("does not follow the counter of its dot", new byte[] { 0x03, 0x05, 0x14, 0x0B, 0x01, 0x72, 0x10, 0x02, 0x18, 0x01, 0x18, 0x01, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    // A replica without its counter, a counter without its replica, two dots in one entry, no value.
    [InlineData("a dot of r lacks its counter", new byte[] { 0x03, 0x05, 0x14, 0x0B, 0x01, 0x72, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    [InlineData("a dot lacks its replica", new byte[] { 0x03, 0x05, 0x14, 0x10, 0x02, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    [InlineData("other than one dot", new byte[] { 0x03, 0x05, 0x14, 0x0B, 0x01, 0x72, 0x10, 0x02, 0x0B, 0x01, 0x73, 0x10, 0x01, 0x23, 0x01, 0x79, 0x05, 0x05 })]
    [InlineData("lacks its value", new byte[] { 0x03, 0x05, 0x14, 0x0B, 0x01, 0x72, 0x10, 0x02, 0x05, 0x05 })]
    public void Deserialize_MalformedEntryDots_ThrowWithReason(string reason, byte[] bytes) =>
        Assert.Contains(reason, Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORSet<string>>(bytes)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("neither dots nor a value", new byte[] { 0x03, 0x06, 0x14, 0x0B, 0x01, 0x6B, 0x05, 0x05 })]
    [InlineData("lacks its key", new byte[] { 0x03, 0x06, 0x14, 0x13, 0x01, 0x61, 0x18, 0x01, 0x05, 0x05 })]
    // Key k twice: with a dot, then with a value.
    [InlineData("a map key appears twice", new byte[] { 0x03, 0x06, 0x14, 0x0B, 0x01, 0x6B, 0x13, 0x01, 0x61, 0x18, 0x01, 0x05, 0x14, 0x0B, 0x01, 0x6B, 0x2C, 0x05, 0x05, 0x05 })]
    // Dot a:1 under keys k and j.
    [InlineData("the dot a:1 appears twice", new byte[] { 0x03, 0x06, 0x14, 0x0B, 0x01, 0x6B, 0x13, 0x01, 0x61, 0x18, 0x01, 0x05, 0x14, 0x0B, 0x01, 0x6A, 0x10, 0x00, 0x18, 0x01, 0x05, 0x05 })]
    [InlineData("the value of a map key appears twice", new byte[] { 0x03, 0x06, 0x14, 0x0B, 0x01, 0x6B, 0x2C, 0x05, 0x2C, 0x05, 0x05, 0x05 })]
    [InlineData("the key of a map entry appears twice", new byte[] { 0x03, 0x06, 0x14, 0x0B, 0x01, 0x6B, 0x0B, 0x01, 0x6A, 0x2C, 0x05, 0x05, 0x05 })]
    [InlineData("a dot of a lacks its counter", new byte[] { 0x03, 0x06, 0x14, 0x0B, 0x01, 0x6B, 0x13, 0x01, 0x61, 0x2C, 0x05, 0x05, 0x05 })]
    [InlineData("a causal context appears twice", new byte[] { 0x03, 0x06, 0x0C, 0x05, 0x0C, 0x05, 0x05 })]
    public void Deserialize_MalformedMapKeys_ThrowWithReason(string reason, byte[] bytes) =>
        Assert.Contains(reason, Assert.Throws<SerializationException>(() => CrdtSerializer.Deserialize<ORMap<string, GCounter>>(bytes)).Message, StringComparison.Ordinal);

    [Fact]
    public void Deserialize_UnknownFields_AreSkipped()
    {
        // A later writer added field 7 to the body, and field 5 between a replica and its count.
        byte[] bytes = [0x03, 0x01, 0x38, 0x05, 0x0B, 0x01, 0x61, 0x28, 0x2A, 0x10, 0x03, 0x05];

        Assert.Equal(3ul, CrdtSerializer.Deserialize<GCounter>(bytes).Value);
    }
}
