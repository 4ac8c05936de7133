using System.Text;
using ActorEdge.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static ActorEdge.Tests.Serialization.CodecTestKit;

namespace ActorEdge.Tests.Serialization.Codecs;

public class StringCodecsTests
{
    [Fact]
    public void Write_HiAsField3_WritesLengthPrefixedUtf8() => Assert.Equal([0x1B, 0x02, 0x68, 0x69], Write(StringCodec.Instance, "hi", 3));

    [Fact]
    public void Write_Null_WritesNullHeader() => Assert.Equal([0x06], Write(StringCodec.Instance, null!));

    [Fact]
    public void Write_Empty_WritesZeroLength() => Assert.Equal([0x03, 0x00], Write(StringCodec.Instance, string.Empty));

    [Fact]
    public void RoundTrip_Null_ReturnsNull() => Assert.Null(RoundTrip(StringCodec.Instance, null!));

    [Fact]
    public void RoundTrip_AnyString_ReturnsItsUtf8Form() =>
        // A lone surrogate has no UTF-8 form and becomes U+FFFD; every other string comes back unchanged.
        Prop.ForAll<string>(s => RoundTrip(StringCodec.Instance, s) == (s is null ? null : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)))).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("ActorEdge")]
    [InlineData("żółć — 漢字 — 🎉")]
    [InlineData("\0")]
    public void RoundTrip_NonAscii_ReturnsSameValue(string value) => Assert.Equal(value, RoundTrip(StringCodec.Instance, value));

    [Fact]
    public void RoundTrip_LongString_ReturnsSameValue()
    {
        var value = new string('x', 100_000) + "é";
        Assert.Equal(value, RoundTrip(StringCodec.Instance, value));
    }

    [Fact]
    public void RoundTrip_LoneSurrogate_ReturnsReplacementCharacter() => Assert.Equal("a\uFFFDb", RoundTrip(StringCodec.Instance, "a\uD800b"));

    [Fact]
    public void Read_InvalidUtf8_ThrowsSerializationException()
    {
        ReadFails(StringCodec.Instance, [0x03, 0x01, 0xFF]);
        ReadFails(StringCodec.Instance, [0x03, 0x02, 0xC3, 0x28]);
        ReadFails(StringCodec.Instance, [0x03, 0x03, 0xED, 0xA0, 0x80]); // an encoded surrogate
    }

    [Fact]
    public void Read_TruncatedString_ThrowsSerializationException() => ReadFails(StringCodec.Instance, [0x03, 0x05, 0x68, 0x69]);

    [Fact]
    public void Read_LengthAboveInt32Range_ThrowsSerializationException() => ReadFails(StringCodec.Instance, [0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x68]);

    [Fact]
    public void Read_StringAsVarint_ThrowsSerializationException() => ReadFails(StringCodec.Instance, [0x00, 0x01]);

    [Theory]
    [InlineData("https://example.com/a?b=c#d")]
    [InlineData("relative/path?x=1")]
    [InlineData("urn:actoredge:grain")]
    public void RoundTrip_Uri_KeepsOriginalStringAndKind(string text)
    {
        var value = new Uri(text, UriKind.RelativeOrAbsolute);
        var result = RoundTrip(UriCodec.Instance, value);
        Assert.Equal(value.OriginalString, result.OriginalString);
        Assert.Equal(value.IsAbsoluteUri, result.IsAbsoluteUri);
        Assert.Equal(value, result);
    }

    [Fact]
    public void RoundTrip_NullUri_ReturnsNull() => Assert.Null(RoundTrip(UriCodec.Instance, null!));

    [Fact]
    public void Read_UriWrittenAsString_ReturnsUri() =>
        Assert.Equal(new Uri("https://example.com/"), Read(UriCodec.Instance, Write(StringCodec.Instance, "https://example.com/")));
}
