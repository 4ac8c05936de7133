using ActorEdge.Benchmarks.Infrastructure;
using ActorEdge.Benchmarks.Messaging;
using BenchmarkDotNet.Attributes;

namespace ActorEdge.Benchmarks.Calls;

/// <summary>
/// Grain call latency (Concurrency = 1: the mean is one round trip) and throughput
/// (Concurrency = 64: the mean is the time per call with 64 calls in flight, calls/s = 1e9 / mean),
/// in one silo, across two silos over loopback TCP, and for the raw socket baseline at the same
/// concurrency on one multiplexed connection. Allocations are process-wide: caller, both silos.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortRunConfig))]
public class CallThroughputBenchmarks
{
    public const int CallsPerInvocation = 4096;

    private EchoCluster _cluster = null!;
    private RawEchoServer _server = null!;
    private RawEchoClient _client = null!;

    [Params(1, 64)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _cluster = EchoCluster.StartAsync(grainCount: 64).GetAwaiter().GetResult();
        _server = RawEchoServer.Start();
        _client = RawEchoClient.ConnectAsync(_server.EndPoint, callers: 64).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CallsPerInvocation, Description = "Raw socket")]
    public Task RawSocket() => CallLoad.RunBatchAsync(_client, Concurrency, CallsPerInvocation);

    [Benchmark(OperationsPerInvoke = CallsPerInvocation, Description = "In-silo call")]
    public Task InSilo() => CallLoad.RunBatchAsync(_cluster.Local, Concurrency, CallsPerInvocation);

    [Benchmark(OperationsPerInvoke = CallsPerInvocation, Description = "Cross-silo call")]
    public Task CrossSilo() => CallLoad.RunBatchAsync(_cluster.Remote, Concurrency, CallsPerInvocation);
}
