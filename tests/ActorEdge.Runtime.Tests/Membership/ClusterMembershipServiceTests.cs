using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Membership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorEdge.Runtime.Tests.Membership;

public sealed class ClusterMembershipServiceTests
{
    private static readonly SiloAddress Self = new(new IPEndPoint(IPAddress.Loopback, 2001), 1);
    private static readonly SiloAddress Other = new(new IPEndPoint(IPAddress.Loopback, 2002), 1);

    [Fact]
    public async Task WatchingTable_ChangeReported_RefreshesBeforeThePoll()
    {
        var table = new WatchingTable();
        await using var membership = Create(table);
        await membership.JoinAsync(Entry(Self), CancellationToken.None);
        await table.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await table.UpsertAsync(Entry(Other));
        table.Report(Other);
        await WaitUntilAsync(() => membership.IsActive(Other));

        await table.MarkDeadAsync(Other);
        table.Report(Other);
        await WaitUntilAsync(() => membership.IsDead(Other));
        Assert.Equal([Self], membership.Snapshot.Active.Select(e => e.Address));
    }

    [Fact]
    public async Task WatchingTable_WatchFails_SubscribesAgain()
    {
        var table = new WatchingTable { FailFirst = true };
        await using var membership = Create(table);
        await membership.JoinAsync(Entry(Self), CancellationToken.None);

        await table.Subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await table.UpsertAsync(Entry(Other));
        table.Report(Other);

        await WaitUntilAsync(() => membership.IsActive(Other));
        Assert.Equal(2, table.Subscriptions);
    }

    private static ClusterMembershipService Create(IMembershipTable table) => new(
        table,
        Options.Create(new ClusterMembershipOptions { RefreshPeriod = TimeSpan.FromHours(1), HeartbeatPeriod = TimeSpan.FromHours(1) }),
        TimeProvider.System,
        NullLogger<ClusterMembershipService>.Instance);

    private static SiloEntry Entry(SiloAddress silo) => new(silo, silo.ToString(), "node", null, SiloStatus.Active, default);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>An in-memory table that reports the changes a test tells it about.</summary>
    private sealed class WatchingTable : IMembershipTable, IMembershipTableWatcher
    {
        private readonly InMemoryMembershipTable _inner = new(TimeProvider.System);
        private readonly Channel<MembershipTableChange> _changes = Channel.CreateUnbounded<MembershipTableChange>();

        public bool FailFirst { get; init; }

        public int Subscriptions { get; private set; }

        public TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Report(SiloAddress silo) => _changes.Writer.TryWrite(new MembershipTableChange(silo));

        public Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken = default) => _inner.ReadAllAsync(cancellationToken);

        public Task UpsertAsync(SiloEntry entry, CancellationToken cancellationToken = default) => _inner.UpsertAsync(entry, cancellationToken);

        public Task MarkDeadAsync(SiloAddress silo, CancellationToken cancellationToken = default) => _inner.MarkDeadAsync(silo, cancellationToken);

        public async IAsyncEnumerable<MembershipTableChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (++Subscriptions == 1 && FailFirst)
            {
                await Task.Yield();
                throw new InvalidOperationException("watch broke");
            }
            yield return default;
            Subscribed.TrySetResult();
            await foreach (var change in _changes.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
    }
}
