using System.Collections.Immutable;
using System.Threading.Channels;
using ActorEdge.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorEdge.Runtime.Membership;

/// <summary>An immutable view of the cluster: the silos considered alive, sorted by address.</summary>
internal sealed class MembershipSnapshot(ImmutableArray<SiloEntry> active, ImmutableHashSet<SiloAddress> dead, long version)
{
    public static readonly MembershipSnapshot Empty = new([], [], 0);

    public ImmutableArray<SiloEntry> Active { get; } = active;

    /// <summary>Silos known to be dead; they never come back.</summary>
    public ImmutableHashSet<SiloAddress> Dead { get; } = dead;

    public long Version { get; } = version;

    public bool IsActive(SiloAddress silo)
    {
        foreach (var entry in Active)
        {
            if (entry.Address.Equals(silo))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// Keeps this silo's membership entry alive (heartbeats), reads the table to learn who else is
/// alive, declares dead the silos whose heartbeats stopped (or whose connections were lost and
/// cannot be re-established), and tells the rest of the silo when silos die. A table that is also an
/// <see cref="IMembershipTableWatcher"/> makes it re-read at once on a change; polling stays the fallback.
/// </summary>
internal sealed partial class ClusterMembershipService(
    IMembershipTable table,
    IOptions<ClusterMembershipOptions> options,
    TimeProvider timeProvider,
    ILogger<ClusterMembershipService> logger) : IAsyncDisposable
{
    /// <summary>The pause before subscribing again to a watch that failed (polling covers the gap).</summary>
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromSeconds(1);

    private readonly ClusterMembershipOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private SiloEntry? _self;
    private Task? _heartbeatLoop;
    private Task? _refreshLoop;
    private Task? _watchLoop;
    private volatile MembershipSnapshot _snapshot = MembershipSnapshot.Empty;
    private long _lastOwnHeartbeat;

    /// <summary>The current view.</summary>
    public MembershipSnapshot Snapshot => _snapshot;

    /// <summary>Raised (on a background thread) for each silo that is newly known to be dead.</summary>
    public event Action<SiloAddress>? SiloDied;

    /// <summary>Raised when the cluster declared this silo dead: it must stop serving.</summary>
    public event Action? SelfDeclaredDead;

    public bool IsDead(SiloAddress silo) => _snapshot.Dead.Contains(silo);

    /// <summary>Whether <paramref name="silo"/> is active, per the current view.</summary>
    public bool IsActive(SiloAddress silo) => _snapshot.IsActive(silo);

    public async Task JoinAsync(SiloEntry self, CancellationToken cancellationToken)
    {
        _self = self with { Status = SiloStatus.Active };
        await table.UpsertAsync(_self, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastOwnHeartbeat, timeProvider.GetTimestamp());
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _heartbeatLoop = HeartbeatLoopAsync(_stopping.Token);
        _refreshLoop = RefreshLoopAsync(_stopping.Token);
        if (table is IMembershipTableWatcher watcher)
        {
            _watchLoop = WatchLoopAsync(watcher, _stopping.Token);
        }
    }

    /// <summary>Marks this silo as shutting down: others stop placing grains on it.</summary>
    public async Task BeginShutdownAsync(CancellationToken cancellationToken)
    {
        if (_self is null)
        {
            return;
        }
        _self = _self with { Status = SiloStatus.ShuttingDown };
        try
        {
            await table.UpsertAsync(_self, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWarningTableUnavailable(logger, e.Message);
        }
    }

    /// <summary>Leaves the cluster: the entry is marked dead so others react at once.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await StopLoopsAsync().ConfigureAwait(false);
        if (_self is null)
        {
            return;
        }
        try
        {
            await table.MarkDeadAsync(_self.Address, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWarningTableUnavailable(logger, e.Message);
        }
    }

    /// <summary>Stops heartbeats without telling anyone (a crash, as seen by the cluster).</summary>
    public Task StopLoopsAsync()
    {
        _stopping.Cancel();
        return Task.WhenAll(_heartbeatLoop ?? Task.CompletedTask, _refreshLoop ?? Task.CompletedTask, _watchLoop ?? Task.CompletedTask);
    }

    /// <summary>
    /// Declares <paramref name="silo"/> dead after evidence other than a missed heartbeat (its
    /// endpoint refuses connections), then refreshes the view.
    /// </summary>
    public async Task DeclareDeadAsync(SiloAddress silo, string reason, CancellationToken cancellationToken)
    {
        if (_snapshot.Dead.Contains(silo) || silo.Equals(_self?.Address))
        {
            return;
        }
        LogWarningDeclaringDead(logger, silo, reason);
        await table.MarkDeadAsync(silo, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var now = timeProvider.GetUtcNow();
            // If this silo could not heartbeat either, it was starved or cut off itself: others'
            // stale heartbeats are then no evidence against them.
            var selfStalled = _self is not null && timeProvider.GetElapsedTime(Volatile.Read(ref _lastOwnHeartbeat)) > _options.DeathTimeout / 2;
            var active = ImmutableArray.CreateBuilder<SiloEntry>();
            var dead = _snapshot.Dead.ToBuilder();
            var newlyDead = new List<SiloAddress>();
            foreach (var entry in entries)
            {
                var stale = now - entry.LastHeartbeat > _options.DeathTimeout && entry.Status != SiloStatus.Dead && !entry.Address.Equals(_self?.Address);
                var expired = stale && !selfStalled;
                if (stale && selfStalled)
                {
                    LogWarningSelfStalled(logger, entry.Address);
                }
                if (entry.Status == SiloStatus.Dead || expired)
                {
                    if (dead.Add(entry.Address))
                    {
                        newlyDead.Add(entry.Address);
                    }
                    if (expired)
                    {
                        LogWarningDeclaringDead(logger, entry.Address, $"no heartbeat for {now - entry.LastHeartbeat}");
                        await table.MarkDeadAsync(entry.Address, cancellationToken).ConfigureAwait(false);
                    }
                    continue;
                }
                if (entry.Status == SiloStatus.Active)
                {
                    active.Add(entry);
                }
            }
            active.Sort(static (a, b) => string.CompareOrdinal(a.Address.ToString(), b.Address.ToString()));
            _snapshot = new MembershipSnapshot(active.ToImmutable(), dead.ToImmutable(), _snapshot.Version + 1);

            foreach (var silo in newlyDead)
            {
                if (silo.Equals(_self?.Address))
                {
                    LogErrorSelfDeclaredDead(logger, silo);
                    SelfDeclaredDead?.Invoke();
                    continue;
                }
                LogInformationSiloDead(logger, silo);
                SiloDied?.Invoke(silo);
            }
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopsAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatPeriod, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await table.UpsertAsync(_self!, cancellationToken).ConfigureAwait(false);
                    Volatile.Write(ref _lastOwnHeartbeat, timeProvider.GetTimestamp());
                }
                catch (SiloDeclaredDeadException)
                {
                    LogErrorSelfDeclaredDead(logger, _self!.Address);
                    SelfDeclaredDead?.Invoke();
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogWarningTableUnavailable(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshPeriod, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogWarningTableUnavailable(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Re-reads the table when the watcher reports a change. Changes that arrive while a refresh
    /// runs leave one pending signal (the channel holds one), so a burst costs at most two reads.
    /// </summary>
    private async Task WatchLoopAsync(IMembershipTableWatcher watcher, CancellationToken cancellationToken)
    {
        var pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = true });
        var refresher = RefreshOnSignalAsync(pending.Reader, cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await foreach (var _ in watcher.WatchAsync(cancellationToken).ConfigureAwait(false))
                    {
                        pending.Writer.TryWrite(true);
                    }
                    LogInformationWatchEnded(logger);
                    return;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogWarningWatchFailed(logger, e.Message);
                }
                await Task.Delay(WatchRetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            pending.Writer.TryComplete();
            await refresher.ConfigureAwait(false);
        }
    }

    private async Task RefreshOnSignalAsync(ChannelReader<bool> signals, CancellationToken cancellationToken)
    {
        try
        {
            while (await signals.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                signals.TryRead(out _);
                try
                {
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogWarningTableUnavailable(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the membership table failed ({Reason}); polling until the watch is back")]
    private static partial void LogWarningWatchFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The membership table stopped reporting changes; polling only")]
    private static partial void LogInformationWatchEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declaring silo {Silo} dead: {Reason}")]
    private static partial void LogWarningDeclaringDead(ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} missed its heartbeats, but so did this silo: not declaring it dead")]
    private static partial void LogWarningSelfStalled(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} is dead")]
    private static partial void LogInformationSiloDead(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Error, Message = "This silo ({Silo}) was declared dead by the cluster; it stops serving")]
    private static partial void LogErrorSelfDeclaredDead(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The membership table is unavailable: {Reason}")]
    private static partial void LogWarningTableUnavailable(ILogger logger, string reason);
}
