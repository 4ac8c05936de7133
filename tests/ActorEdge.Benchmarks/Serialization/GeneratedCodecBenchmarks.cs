using System.Buffers;
using ActorEdge.Benchmarks.Infrastructure;
using ActorEdge.Serialization;
using BenchmarkDotNet.Attributes;

namespace ActorEdge.Benchmarks.Serialization;

/// <summary>A small message-like record, serialized by generated code.</summary>
[GenerateSerializer]
public sealed record SmallRecord(
    [property: Id(0)] int Id,
    [property: Id(1)] string Name,
    [property: Id(2)] double Value,
    [property: Id(3)] bool Enabled);

/// <summary>
/// The generated codec of <see cref="SmallRecord"/>: writing to a reused buffer should not
/// allocate; reading allocates the record and its string, and nothing else.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortRunConfig))]
public class GeneratedCodecBenchmarks
{
    private readonly SmallRecord _value = new(42, "sensor-17", 21.5, true);
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup()
    {
        Serialize();
        _encoded = _output.WrittenSpan.ToArray();
        if (Deserialize() != _value)
        {
            throw new InvalidOperationException("The generated codec does not round-trip.");
        }
    }

    [Benchmark(Description = "Generated codec: serialize")]
    public int Serialize()
    {
        _output.ResetWrittenCount();
        Serializer.Serialize(_value, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Generated codec: deserialize")]
    public SmallRecord Deserialize() => Serializer.Deserialize<SmallRecord>(_encoded);
}
