using System.Diagnostics.Metrics;
using ActorEdge.Etcd;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Etcd;

/// <summary>
/// Keeps etcd's history bounded: periodically compacts it to a fixed number of revisions behind
/// the current one (as etcd's revision auto-compaction does), and publishes the database size and
/// raised alarms as metrics of the <c>ActorEdge</c> meter.
/// </summary>
internal sealed partial class EtcdHistoryCompactor : IAsyncDisposable
{
    private static readonly Meter Meter = new("ActorEdge");
    private static readonly List<EtcdHistoryCompactor> Live = [];
    private readonly EtcdClient _client;
    private readonly long _retained;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    static EtcdHistoryCompactor()
    {
        Meter.CreateObservableGauge("actoredge.etcd.db_size", () => Measure(s => s.DbSize), "By", "Size of the etcd backend database (what the space quota limits).");
        Meter.CreateObservableGauge("actoredge.etcd.db_size_in_use", () => Measure(s => s.DbSizeInUse), "By", "Bytes of the etcd database in use (the rest is reclaimed by defragmentation).");
        Meter.CreateObservableGauge("actoredge.etcd.alarms", () => Measure(s => s.Errors.Count), "{alarm}", "Alarms (NOSPACE, CORRUPT) reported by the etcd member.");
    }

    public EtcdHistoryCompactor(EtcdClient client, TimeSpan interval, long retainedRevisions, ILogger logger, TimeProvider timeProvider)
    {
        _client = client;
        _retained = retainedRevisions;
        _logger = logger;
        lock (Live)
        {
            Live.Add(this);
        }
        _loop = RunAsync(interval, timeProvider);
    }

    /// <summary>The status seen at the last pass, or null before the first.</summary>
    public EtcdStatus? LastStatus { get; private set; }

    /// <summary>The revision the last compaction compacted to (0 before the first).</summary>
    public long CompactedRevision { get; private set; }

    /// <summary>One pass: reads the status and compacts if the history grew past the retained revisions.</summary>
    public async Task CompactOnceAsync(CancellationToken cancellationToken)
    {
        var status = await _client.StatusAsync(null, cancellationToken).ConfigureAwait(false);
        LastStatus = status;
        var target = status.Revision - _retained;
        if (target <= CompactedRevision || target <= 0)
        {
            return;
        }
        try
        {
            await _client.CompactAsync(target, physical: false, cancellationToken).ConfigureAwait(false);
            LogDebugCompacted(_logger, target, status.DbSize);
        }
        catch (EtcdCompactedException)
        {
            // Another silo (or etcd's auto-compaction) already compacted past it.
        }
        CompactedRevision = target;
    }

    public async ValueTask DisposeAsync()
    {
        lock (Live)
        {
            Live.Remove(this);
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, TimeProvider timeProvider)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await CompactOnceAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (EtcdException e)
            {
                LogWarningCompactionFailed(_logger, e.Message);
            }
        }
    }

    private static IEnumerable<Measurement<long>> Measure(Func<EtcdStatus, long> select)
    {
        List<Measurement<long>> result = [];
        lock (Live)
        {
            foreach (var compactor in Live)
            {
                if (compactor.LastStatus is { } status)
                {
                    result.Add(new Measurement<long>(select(status), new KeyValuePair<string, object?>("endpoint", status.Endpoint.ToString())));
                }
            }
        }
        return result;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Compacted etcd history to revision {Revision} (db size {DbSize} bytes)")]
    private static partial void LogDebugCompacted(ILogger logger, long revision, long dbSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd history compaction failed: {Reason}")]
    private static partial void LogWarningCompactionFailed(ILogger logger, string reason);
}
