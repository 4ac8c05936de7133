using System.Buffers;
using ActorEdge.Benchmarks.Infrastructure;
using ActorEdge.Serialization;
using BenchmarkDotNet.Attributes;

namespace ActorEdge.Benchmarks.Serialization;

/// <summary>
/// The primitives every codec is made of: a field header, varints, fixed-width values and a
/// UTF-8 string, written to a reused buffer and read back. Neither direction should allocate,
/// except the string that reading materializes.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortRunConfig))]
public class WriterReaderBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private byte[] _numbers = [];
    private byte[] _text = [];

    [GlobalSetup]
    public void Setup()
    {
        WriteNumbers();
        _numbers = _output.WrittenSpan.ToArray();
        WriteText();
        _text = _output.WrittenSpan.ToArray();
    }

    [Benchmark(Description = "Writer: 8 numeric fields")]
    public int WriteNumbers()
    {
        _output.ResetWrittenCount();
        var w = new Writer(_output);
        w.WriteFieldHeader(0, WireType.VarInt);
        w.WriteVarInt32(42);
        w.WriteFieldHeader(1, WireType.VarInt);
        w.WriteVarInt64(-1_234_567_890_123);
        w.WriteFieldHeader(2, WireType.VarInt);
        w.WriteVarUInt32(300);
        w.WriteFieldHeader(3, WireType.Fixed32);
        w.WriteFixed32(0xDEADBEEF);
        w.WriteFieldHeader(4, WireType.Fixed64);
        w.WriteFixed64(0x0123_4567_89AB_CDEF);
        w.WriteFieldHeader(5, WireType.VarInt);
        w.WriteVarUInt64(ulong.MaxValue);
        w.WriteFieldHeader(6, WireType.VarInt);
        w.WriteVarInt32(-1);
        w.WriteFieldHeader(7, WireType.VarInt);
        w.WriteVarInt32(int.MaxValue);
        w.Commit();
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Reader: 8 numeric fields")]
    public long ReadNumbers()
    {
        var r = new Reader(_numbers);
        long sum = 0;
        while (r.TryReadFieldHeader(out var field, out var wireType))
        {
            sum += wireType switch
            {
                WireType.Fixed32 => r.ReadFixed32(),
                WireType.Fixed64 => (long)r.ReadFixed64(),
                _ => field is 1 or 6 or 7 or 0 ? r.ReadVarInt64() : (long)r.ReadVarUInt64(),
            };
        }
        return sum;
    }

    [Benchmark(Description = "Writer: 32-char string field")]
    public int WriteText()
    {
        _output.ResetWrittenCount();
        var w = new Writer(_output);
        w.WriteFieldHeader(0, WireType.LengthPrefixed);
        w.WriteUtf8("benchmark-grain-key-0123456789ab");
        w.Commit();
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Reader: 32-char string field")]
    public string? ReadText()
    {
        var r = new Reader(_text);
        string? value = null;
        while (r.TryReadFieldHeader(out _, out _))
        {
            value = r.ReadUtf8();
        }
        return value;
    }
}
