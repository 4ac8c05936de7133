using ActorEdge.Invocation;
using Xunit;

namespace ActorEdge.Tests.Grains;

public class GrainIdTests
{
    [Fact]
    public void Equals_SameTypeAndKey_ReturnsTrue()
    {
        var a = new GrainId("counter", "7");
        var b = GrainId.Create("counter", 7);
        Assert.True(a == b);
        Assert.True(a.Equals((object)b));
        Assert.False(a != b);
    }

    [Fact]
    public void Equals_DifferentTypeOrKey_ReturnsFalse()
    {
        Assert.NotEqual(new GrainId("counter", "7"), new GrainId("counter", "8"));
        Assert.NotEqual(new GrainId("counter", "7"), new GrainId("timer", "7"));
        Assert.NotEqual(new GrainId("a", "b/c"), new GrainId("a/b", "c"));
    }

    [Fact]
    public void Parse_ToStringOutput_ReturnsEqualId()
    {
        var id = GrainId.Create("user", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"));
        Assert.Equal("user/0f8fad5bd9cb469fa16570867728950e", id.ToString());
        Assert.Equal(id, GrainId.Parse(id.ToString()));
        Assert.Equal(new GrainId("a", "b/c"), GrainId.Parse("a/b/c"));
    }

    [Theory]
    [InlineData("noslash")]
    [InlineData("/key")]
    public void Parse_NoType_ThrowsFormatException(string value) => Assert.Throws<FormatException>(() => GrainId.Parse(value));

    [Fact]
    public void StableHashCode_EqualIds_AreEqualAndFnv1aOfTypeSlashKey()
    {
        var a = new GrainId("counter", "42");
        var b = GrainId.Parse("counter/42");
        Assert.Equal(a.StableHashCode, b.StableHashCode);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(StableHash.Fnv1a("counter/42"), a.StableHashCode);
    }

    [Fact]
    public void StableHash_KnownInput_MatchesFnv1aReference() =>
        // One step per UTF-16 code unit equals byte-wise FNV-1a for ASCII, whose published value for "a" is 0xE40C292C.
        Assert.Equal(0xE40C292Cu, StableHash.Fnv1a("a"));

    [Fact]
    public void IsDefault_DefaultId_ReturnsTrue()
    {
        Assert.True(default(GrainId).IsDefault);
        Assert.False(new GrainId("t", "").IsDefault);
    }
}
