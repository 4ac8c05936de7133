using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace ActorEdge.Benchmarks.Infrastructure;

/// <summary>
/// Few iterations (the machine has 2 cores and the suite must finish in minutes), one process
/// per benchmark class, memory diagnostics, and a calls/s column derived from the mean.
/// </summary>
public sealed class ShortRunConfig : ManualConfig
{
    public ShortRunConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(8)
            .WithId("ShortRun"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new OperationsPerSecondColumn());
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
    }
}
