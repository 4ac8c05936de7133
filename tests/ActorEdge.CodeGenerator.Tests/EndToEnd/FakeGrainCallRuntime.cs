using System.Buffers;
using ActorEdge.Invocation;
using ActorEdge.Serialization;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

/// <summary>
/// A runtime without a network: a call's written arguments go straight to the generated invoker
/// of the target interface over <see cref="Grain"/>, and the result comes back through the codec,
/// so both halves of the generated code are exercised on real bytes.
/// </summary>
internal sealed class FakeGrainCallRuntime(object grain) : IGrainCallRuntime
{
    public List<FakeRequest> Requests { get; } = [];

    public object Grain { get; } = grain;

    public OutgoingRequest CreateRequest(GrainReference target, uint interfaceId, uint methodId, InvokeMethodOptions options)
    {
        var request = new FakeRequest(target, interfaceId, methodId, options);
        Requests.Add(request);
        return request;
    }

    public async Task InvokeAsync(OutgoingRequest request)
    {
        var sink = await DispatchAsync((FakeRequest)request);
        Assert.Null(sink.ResultBytes);
    }

    public async Task<TResult> InvokeAsync<TResult>(OutgoingRequest request, IFieldCodec<TResult> resultCodec)
    {
        var sink = await DispatchAsync((FakeRequest)request);
        return Decode(sink.ResultBytes!, resultCodec);
    }

    public void InvokeOneWay(OutgoingRequest request) => _ = DispatchAsync((FakeRequest)request);

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
        where TGrainInterface : IGrain
    {
        Assert.True(GrainCodeRegistry.TryGetInterface(typeof(TGrainInterface), out var descriptor));
        return (TGrainInterface)(object)descriptor.ProxyFactory(this, grainId);
    }

    private async Task<FakeResponseSink> DispatchAsync(FakeRequest request)
    {
        Assert.True(GrainCodeRegistry.TryGetInterface(request.InterfaceId, out var descriptor), $"no interface {request.InterfaceId:x8}");
        var sink = new FakeResponseSink(request.CancellationToken);
        await descriptor.Invoker.Invoke(Grain, request.MethodId, request.Buffer.WrittenSpan, sink);
        return sink;
    }

    private static TResult Decode<TResult>(byte[] bytes, IFieldCodec<TResult> codec)
    {
        var reader = new Reader(bytes);
        Assert.True(reader.TryReadFieldHeader(out var fieldId, out var wireType));
        Assert.Equal(0u, fieldId);
        var result = codec.Read(ref reader, wireType);
        Assert.True(reader.End);
        return result;
    }
}

internal sealed class FakeRequest(GrainReference target, uint interfaceId, uint methodId, InvokeMethodOptions options) : OutgoingRequest
{
    public ArrayBufferWriter<byte> Buffer { get; } = new();

    public override IBufferWriter<byte> Arguments => Buffer;

    public GrainReference Target { get; } = target;

    public uint InterfaceId { get; } = interfaceId;

    public uint MethodId { get; } = methodId;

    public InvokeMethodOptions Options { get; } = options;
}

/// <summary>Awaits the grain's task and encodes its result as field 0, as a silo would before replying.</summary>
internal sealed class FakeResponseSink(CancellationToken cancellationToken) : IResponseSink
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public byte[]? ResultBytes { get; private set; }

    public async ValueTask Complete(Task task) => await task;

    public async ValueTask Complete(ValueTask task) => await task;

    public async ValueTask Complete<TResult>(Task<TResult> task, IFieldCodec<TResult> codec) => Encode(await task, codec);

    public async ValueTask Complete<TResult>(ValueTask<TResult> task, IFieldCodec<TResult> codec) => Encode(await task, codec);

    private void Encode<TResult>(TResult result, IFieldCodec<TResult> codec)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new Writer(buffer);
        codec.Write(ref writer, 0, result);
        writer.Commit();
        ResultBytes = buffer.WrittenSpan.ToArray();
    }
}
