using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using ActorEdge.Benchmarks.Infrastructure;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;
using BenchmarkDotNet.Attributes;

namespace ActorEdge.Benchmarks.Messaging;

/// <summary>
/// The frame codec of the transport, on a request as a cross-silo call sends it (target grain,
/// both silo addresses, time to live, a 6-byte payload) and on its response. Writing should not
/// allocate; reading allocates the message and its payload, and ideally nothing else.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortRunConfig))]
public class MessageSerializerBenchmarks
{
    private const int MaxFrameLength = 4 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private Message _request = null!;
    private Message _response = null!;
    private ReadOnlySequence<byte> _requestFrame;
    private ReadOnlySequence<byte> _responseFrame;

    [GlobalSetup]
    public void Setup()
    {
        var caller = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 11111), 638_000_000_000);
        var callee = new SiloAddress(new IPEndPoint(IPAddress.Loopback, 22222), 638_000_000_001);
        _request = new Message
        {
            Kind = MessageKind.Request,
            CorrelationId = 123_456,
            TargetGrain = GrainId.Create("echograin", 1_000_042),
            InterfaceId = 0x1234_5678,
            MethodId = 0x9ABC_DEF0,
            TimeToLiveMs = 30_000,
            SendingSilo = caller,
            TargetSilo = callee,
        };
        WriteArgument(_request, 42);
        _response = _request.CreateResponse(ResponseStatus.Ok, null);
        WriteArgument(_response, 42);

        _requestFrame = new ReadOnlySequence<byte>(Frame(_request));
        _responseFrame = new ReadOnlySequence<byte>(Frame(_response));
    }

    [Benchmark(Description = "Write request frame")]
    public int WriteRequest()
    {
        _output.ResetWrittenCount();
        MessageSerializer.Write(_request, _output, _scratch);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Write response frame")]
    public int WriteResponse()
    {
        _output.ResetWrittenCount();
        MessageSerializer.Write(_response, _output, _scratch);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "TryReadFrame request")]
    public long ReadRequest() => Read(_requestFrame);

    [Benchmark(Description = "TryReadFrame response")]
    public long ReadResponse() => Read(_responseFrame);

    /// <summary>64 request frames written to a pipe as the connection's write loop does, then flushed once.</summary>
    [Benchmark(OperationsPerInvoke = 64, Description = "Write 64 requests to a Pipe")]
    public long WriteRequestsToPipe()
    {
        var pipe = _pipe;
        for (var i = 0; i < 64; i++)
        {
            MessageSerializer.Write(_request, pipe.Writer, _scratch);
        }
        var flushed = pipe.Writer.UnflushedBytes;
        pipe.Writer.FlushAsync().GetAwaiter().GetResult();
        pipe.Reader.TryRead(out var result);
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return flushed;
    }

    private static long Read(ReadOnlySequence<byte> frame)
    {
        var buffer = frame;
        if (!MessageSerializer.TryReadFrame(ref buffer, MaxFrameLength, out var message))
        {
            throw new InvalidOperationException("The frame is incomplete.");
        }
        var id = message!.CorrelationId;
        message.ReleasePayload();
        return id;
    }

    private static void WriteArgument(Message message, int value)
    {
        var w = new Writer(message.Arguments);
        Codec<int>.Instance.Write(ref w, 0, value);
        w.Commit();
    }

    private byte[] Frame(Message message)
    {
        _output.ResetWrittenCount();
        MessageSerializer.Write(message, _output, _scratch);
        return _output.WrittenSpan.ToArray();
    }
}
