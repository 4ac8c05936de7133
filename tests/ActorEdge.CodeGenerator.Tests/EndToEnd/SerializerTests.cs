using ActorEdge.Serialization;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

/// <summary>Generated codecs through <see cref="Serializer"/>, including reading data of other versions.</summary>
public sealed class SerializerTests
{
    [Fact]
    public void Codec_IsRegisteredByModuleInitializer()
    {
        Assert.Equal("ActorEdge_CodeGenerator_Tests_EndToEnd_StateV1Codec", Codec<StateV1>.Instance.GetType().Name);
        Assert.Equal("ActorEdge.Generated", Codec<StateV1>.Instance.GetType().Namespace);
    }

    [Fact]
    public void Class_RoundTrips()
    {
        var copy = RoundTrip(new StateV1 { A = -5, B = "bee" });

        Assert.Equal((-5, "bee"), (copy.A, copy.B));
    }

    [Fact]
    public void Class_Null_RoundTripsAsNull() => Assert.Null(RoundTrip<StateV1?>(null));

    [Fact]
    public void OldVersion_ReadAsNewVersion_KeepsKnownMembersAndInitializers()
    {
        var bytes = Serializer.SerializeToArray(new StateV1 { A = 3, B = "dropped in V2" });

        var v2 = Serializer.Deserialize<StateV2>(bytes);

        Assert.Equal(3, v2.A);
        Assert.Equal([7], v2.C);
    }

    [Fact]
    public void NewVersion_ReadAsOldVersion_SkipsUnknownMembers()
    {
        var bytes = Serializer.SerializeToArray(new StateV2 { A = 4, C = [1, 2, 3] });

        var v1 = Serializer.Deserialize<StateV1>(bytes);

        Assert.Equal(4, v1.A);
        Assert.Equal(string.Empty, v1.B);
    }

    [Fact]
    public void Record_OldVersion_ReadAsNewVersion_UsesConstructorDefaultsAndInitializers()
    {
        var bytes = Serializer.SerializeToArray(new RecordV1(8, "dropped"));

        var v2 = Serializer.Deserialize<RecordV2>(bytes);

        Assert.Equal(8, v2.A);
        Assert.Equal("fallback", v2.D);
        Assert.Equal([7], v2.C);
    }

    [Fact]
    public void Record_NewVersion_ReadAsOldVersion_SkipsUnknownMembers()
    {
        var bytes = Serializer.SerializeToArray(new RecordV2(9, "dee") { C = [5] });

        var v1 = Serializer.Deserialize<RecordV1>(bytes);

        Assert.Equal(new RecordV1(9, null!), v1);
    }

    [Fact]
    public void Record_RoundTrips()
    {
        var copy = RoundTrip(new RecordV2(1, "d") { C = [1, 2] });

        Assert.Equal((1, "d"), (copy.A, copy.D));
        Assert.Equal([1, 2], copy.C);
    }

    [Fact]
    public void Struct_RoundTrips() => Assert.Equal(new Point { X = 3, Y = -4 }, RoundTrip(new Point { X = 3, Y = -4 }));

    [Fact]
    public void Recursive_RoundTrips()
    {
        var copy = RoundTrip(new Node { Value = 1, Next = new Node { Value = 2 } });

        Assert.Equal(1, copy.Value);
        Assert.Equal(2, copy.Next!.Value);
        Assert.Null(copy.Next.Next);
    }

    [Fact]
    public void DerivedClass_IncludesBaseMembers()
    {
        var copy = RoundTrip(new Dog { Name = "Rex", GoodBoy = true });

        Assert.Equal(("Rex", true), (copy.Name, copy.GoodBoy));
    }

    [Fact]
    public void NonSerializedMember_KeepsItsInitializer()
    {
        var copy = RoundTrip(new Team { Name = "t", Ignored = "changed" });

        Assert.Equal("default", copy.Ignored);
    }

    private static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value));
}
