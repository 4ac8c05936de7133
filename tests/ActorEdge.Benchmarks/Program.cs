using ActorEdge.Benchmarks.Quick;
using BenchmarkDotNet.Running;

namespace ActorEdge.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/ActorEdge.Benchmarks -- quick</c> runs the quick
/// throughput table, <c>-- redis</c> the Redis client and storage against redis-benchmark, <c>-- crdt</c> CRDT replication (docs/benchmarks-crdt.md), <c>-- nodelocal</c> NodeLocal grain storage writes and reads; anything else goes to BenchmarkDotNet (<c>-- --filter *</c>, <c>--list flat</c>...).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && string.Equals(args[0], "redis", StringComparison.OrdinalIgnoreCase))
        {
            return await Redis.RedisQuickRunner.RunAsync(args[1..]).ConfigureAwait(false);
        }
        if (args.Length > 0 && string.Equals(args[0], "crdt", StringComparison.OrdinalIgnoreCase))
        {
            return await Crdt.CrdtQuickRunner.RunAsync(args[1..]).ConfigureAwait(false);
        }
        if (args.Length > 0 && string.Equals(args[0], "nodelocal", StringComparison.OrdinalIgnoreCase))
        {
            return await Storage.NodeLocalQuickRunner.RunAsync(args[1..]).ConfigureAwait(false);
        }
        if (args.Length > 0 && string.Equals(args[0], "quick", StringComparison.OrdinalIgnoreCase))
        {
            return await QuickRunner.RunAsync(args[1..]).ConfigureAwait(false);
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
