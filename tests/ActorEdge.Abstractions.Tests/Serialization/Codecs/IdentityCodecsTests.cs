using System.Net;
using ActorEdge.Serialization;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class IdentityCodecsTests
{
    [Fact]
    public void RoundTrip_GrainId_ReturnsEqualIdWithSameHash()
    {
        var id = GrainId.Create("counter", Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"));
        var result = RoundTrip(GrainIdCodec.Instance, id);
        Assert.Equal(id, result);
        Assert.Equal(id.StableHashCode, result.StableHashCode);
    }

    [Fact]
    public void Write_GrainId_WritesObjectOfTypeAndKey() =>
        Assert.Equal([0x04, 0x0B, 0x01, 0x61, 0x13, 0x01, 0x62, 0x05], Write(GrainIdCodec.Instance, new GrainId("a", "b")));

    [Fact]
    public void RoundTrip_GrainIdWithEmptyKey_ReturnsEqualId() => Assert.Equal(new GrainId("t", ""), RoundTrip(GrainIdCodec.Instance, new GrainId("t", "")));

    [Fact]
    public void RoundTrip_DefaultGrainId_WritesNullAndReturnsDefault()
    {
        Assert.Equal([0x06], Write(GrainIdCodec.Instance, default));
        Assert.True(RoundTrip(GrainIdCodec.Instance, default).IsDefault);
    }

    [Fact]
    public void Read_GrainIdWithoutKey_ThrowsSerializationException() => ReadFails(GrainIdCodec.Instance, [0x04, 0x0B, 0x01, 0x61, 0x05]);

    [Fact]
    public void Read_GrainIdWithEmptyType_ThrowsSerializationException() => ReadFails(GrainIdCodec.Instance, [0x04, 0x0B, 0x00, 0x13, 0x01, 0x62, 0x05]);

    [Theory]
    [InlineData("10.0.0.1:11111@42")]
    [InlineData("[::1]:30000@7")]
    [InlineData("[fe80::1%3]:65535@9223372036854775807")]
    public void RoundTrip_SiloAddress_ReturnsEqualAddress(string text)
    {
        var address = SiloAddress.Parse(text);
        var result = RoundTrip(SiloAddressCodec.Instance, address);
        Assert.Equal(address, result);
    }

    [Fact]
    public void RoundTrip_SiloAddressWithScopeIdAndNegativeGeneration_KeepsBoth()
    {
        var address = new SiloAddress(new IPEndPoint(IPAddress.Parse("fe80::1%3"), 1), -7);
        var result = RoundTrip(SiloAddressCodec.Instance, address);
        Assert.Equal(3, result.Endpoint.Address.ScopeId);
        Assert.Equal(-7, result.Generation);
        Assert.Equal(address, result);
    }

    [Fact]
    public void Write_SiloAddress_WritesObjectOfAddressPortAndGeneration()
    {
        var address = new SiloAddress(new IPEndPoint(IPAddress.Parse("1.2.3.4"), 5), 1);
        Assert.Equal([0x04, 0x0B, 0x04, 1, 2, 3, 4, 0x10, 0x05, 0x18, 0x02, 0x05], Write(SiloAddressCodec.Instance, address));
    }

    [Fact]
    public void RoundTrip_NullSiloAddress_ReturnsNull() => Assert.Null(RoundTrip(SiloAddressCodec.Instance, null!));

    [Fact]
    public void Read_SiloAddressOfFiveAddressBytes_ThrowsSerializationException() =>
        ReadFails(SiloAddressCodec.Instance, [0x04, 0x0B, 0x05, 1, 2, 3, 4, 5, 0x05]);

    [Fact]
    public void Read_SiloAddressWithPortAbove65535_ThrowsSerializationException() =>
        ReadFails(SiloAddressCodec.Instance, [0x04, 0x0B, 0x04, 1, 2, 3, 4, 0x10, 0x80, 0x80, 0x04, 0x05]);

    [Fact]
    public void Read_SiloAddressWithoutAddress_ThrowsSerializationException() => ReadFails(SiloAddressCodec.Instance, [0x04, 0x10, 0x05, 0x05]);
}
