using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Tests.Messaging;

public sealed class ExceptionCodecTests
{
    public static TheoryData<Exception> Exceptions => new()
    {
        new InvalidOperationException("invalid"),
        new ArgumentException("argument"),
        new TimeoutException("late"),
        new TestGrainException("custom"),
        new GrainMethodNotFoundException("no method"),
        new SiloUnavailableException("silo gone"),
        new SiloUnavailableException("silo gone", new IOException("reset")),
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Decode_EncodedException_HasTheSameTypeAndMessage(Exception exception)
    {
        using var encoded = ExceptionCodec.Encode(exception);

        var decoded = ExceptionCodec.Decode(encoded.WrittenSpan);

        Assert.IsType(exception.GetType(), decoded);
        Assert.Equal(exception.Message, decoded.Message);
    }

    [Fact]
    public void Decode_InconsistentStateException_KeepsMessageAndETags()
    {
        using var encoded = ExceptionCodec.Encode(new InconsistentStateException("stale", "7", "5"));

        var decoded = Assert.IsType<InconsistentStateException>(ExceptionCodec.Decode(encoded.WrittenSpan));

        Assert.Equal("7", decoded.StoredEtag);
        Assert.Equal("5", decoded.CurrentEtag);
        Assert.Equal("stale (stored ETag: 7, ETag of the write: 5)", decoded.Message);
    }

    [Fact]
    public void Decode_TypeUnknownHere_IsRemoteGrainExceptionNamingIt()
    {
        var payload = new PooledBuffer();
        var w = new Serialization.Writer(payload);
        w.WriteFieldHeader(1, Serialization.WireType.LengthPrefixed);
        w.WriteUtf8("Elsewhere.MissingException, Elsewhere");
        w.WriteFieldHeader(2, Serialization.WireType.LengthPrefixed);
        w.WriteUtf8("far away");
        w.Commit();

        var decoded = Assert.IsType<RemoteGrainException>(ExceptionCodec.Decode(payload.WrittenSpan));

        Assert.Equal("Elsewhere.MissingException", decoded.OriginalTypeName);
        Assert.Equal("Elsewhere.MissingException: far away", decoded.Message);
    }
}
