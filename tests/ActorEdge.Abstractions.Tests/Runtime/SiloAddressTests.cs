using System.Net;
using Xunit;

namespace ActorEdge.Tests.Runtime;

public class SiloAddressTests
{
    [Fact]
    public void Equals_SameEndpointAndGeneration_ReturnsTrue()
    {
        var a = new SiloAddress(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 11111), 5);
        var b = new SiloAddress(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 11111), 5);
        Assert.True(a == b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_DifferentGenerationOrEndpoint_ReturnsFalse()
    {
        var a = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 11111), 5);
        Assert.NotEqual(a, new SiloAddress(new IPEndPoint(IPAddress.Loopback, 11111), 6));
        Assert.NotEqual(a, new SiloAddress(new IPEndPoint(IPAddress.Loopback, 11112), 5));
        Assert.False(a == null);
        Assert.True((SiloAddress?)null == null);
    }

    [Theory]
    [InlineData("10.0.0.1:11111@42")]
    [InlineData("[::1]:30000@0")]
    [InlineData("10.0.0.1:1@-2")]
    public void Parse_ToStringOutput_ReturnsEqualAddress(string text)
    {
        var address = SiloAddress.Parse(text);
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, SiloAddress.Parse(address.ToString()));
        Assert.Equal(address.GetHashCode(), SiloAddress.Parse(text).GetHashCode());
    }

    [Theory]
    [InlineData("10.0.0.1:11111")]
    [InlineData("host:1@2")]
    [InlineData("10.0.0.1:1@x")]
    public void Parse_Malformed_ThrowsFormatException(string text) => Assert.Throws<FormatException>(() => SiloAddress.Parse(text));
}
