using System.Diagnostics;
using System.Globalization;
using System.Net;
using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;
using ActorEdge.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>An etcd cluster with a member per edge node: n0, n1, n2.</summary>
public sealed class ThreeNodeEtcdFixture : IAsyncLifetime
{
    public static readonly string[] Nodes = ["n0", "n1", "n2"];

    public EtcdCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await EtcdCluster.StartAsync(Nodes);

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>The provider of the silo on <paramref name="node"/>: every member, its own first.</summary>
    internal EtcdReplicatedMigration Replicated(string prefix, string node, Action<EtcdStorageOptions>? configure = null, TimeProvider? timeProvider = null, EtcdCluster? cluster = null)
    {
        cluster ??= Cluster;
        var options = new EtcdStorageOptions { KeyPrefix = prefix, CompactionInterval = null, Migration = EtcdMigrationMode.Replicated, LeaderMoveCooldown = TimeSpan.Zero, AwaitLeaderMove = true };
        options.Client.RequestTimeout = TimeSpan.FromSeconds(5);
        options.Client.Endpoints.Add(cluster[node].ClientUrl);
        foreach (var member in cluster.Members)
        {
            if (member.Name != node)
            {
                options.Client.Endpoints.Add(member.ClientUrl);
            }
        }
        configure?.Invoke(options);
        var time = timeProvider ?? TimeProvider.System;
        var storage = new EtcdGrainStorage("proactive", prefix, options, new EtcdClient(options.Client), ownsClient: true, NullLogger.Instance, time);
        return (EtcdReplicatedMigration)EtcdMigratingGrainStorage.For(storage, NullLogger.Instance, time);
    }

    /// <summary>The name of the member that leads, as every running member reports it.</summary>
    public async Task<string> LeaderAsync(EtcdCluster? cluster = null)
    {
        cluster ??= Cluster;
        var leader = await cluster.WaitForLeaderAsync();
        return leader.Name;
    }
}

public sealed class EtcdReplicatedMigrationTests(ThreeNodeEtcdFixture etcd, ITestOutputHelper output) : IClassFixture<ThreeNodeEtcdFixture>
{
    private static readonly SiloAddress Source = new(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress Target = new(new IPEndPoint(IPAddress.Loopback, 11112), 1);
    private readonly string _prefix = $"svc-{Guid.NewGuid():N}";
    private readonly GrainId _grain = new("proactive", "1");

    [Fact]
    public async Task Export_MovesTheLeaderToTheTargetNodesMember()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        var times = new List<double>();

        foreach (var node in new[] { "n1", "n2", "n0", "n1" })
        {
            var watch = Stopwatch.StartNew();
            var exported = await n0.ExportAsync(Migration(null, node), CancellationToken.None);
            times.Add(watch.Elapsed.TotalMilliseconds);

            Assert.True(exported.IsEmpty);
            Assert.Equal(node, await etcd.LeaderAsync());
            var status = await n0.Storage.Client.StatusAsync(etcd.Cluster[node].ClientUrl);
            Assert.Equal(etcd.Cluster[node].MemberId, status.Leader);
        }
        var again = await n0.ExportAsync(Migration(null, "n1"), CancellationToken.None);

        Assert.Equal(LeaderMoveOutcome.AlreadyLeader, n0.LastLeaderMove);
        Assert.Equal("n1", await etcd.LeaderAsync());
        output.WriteLine($"leader-move (export) ms on loopback: {string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public async Task Prepare_MovesTheLeaderBeforeTheHandOver_ExportFindsItThere()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        var target = (await etcd.LeaderAsync()) == "n2" ? "n1" : "n2";

        await n0.PrepareAsync(Migration(null, target), CancellationToken.None);

        Assert.Equal(LeaderMoveOutcome.Moved, n0.LastLeaderMove);
        Assert.Equal(target, await etcd.LeaderAsync());
        var exported = await n0.ExportAsync(Migration(null, target), CancellationToken.None);
        Assert.True(exported.IsEmpty);
        Assert.Equal(LeaderMoveOutcome.AlreadyLeader, n0.LastLeaderMove);
    }

    [Fact]
    public async Task Export_WhileAnotherGrainWrites_EveryWriteSucceeds()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var other = new GrainId("proactive", "busy");
        var state = new GrainState<ConformanceState>(new ConformanceState());
        var errors = new List<string>();
        using var stop = new CancellationTokenSource();
        var writing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                state.State.Count++;
                try
                {
                    await n1.WriteStateAsync("s", other, state);
                }
                catch (Exception e) when (e is EtcdStorageException or InconsistentStateException)
                {
                    errors.Add(e.Message);
                    state.State.Count--;
                    var reread = new GrainState<ConformanceState>(new ConformanceState());
                    await n1.ReadStateAsync("s", other, reread);
                    (state.State.Count, state.ETag) = (reread.State.Count, reread.ETag);
                }
            }
        });

        await n0.ExportAsync(Migration(null, "n0"), CancellationToken.None);
        foreach (var node in new[] { "n1", "n2", "n0", "n1", "n2", "n0" })
        {
            await n0.ExportAsync(Migration(null, node), CancellationToken.None);
            Assert.Equal(LeaderMoveOutcome.Moved, n0.LastLeaderMove);
        }
        await stop.CancelAsync();
        await writing;

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await n0.ReadStateAsync("s", other, read);
        Assert.Equal(state.State.Count, read.State.Count);
    }

    [Fact]
    public async Task Export_LeaderMoveFails_ExportStillSucceedsAndTheLeaderStays()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await n0.ExportAsync(Migration(null, "n1"), CancellationToken.None);
        // A client that knows only n0 cannot reach the leader (n1) to ask it to step down.
        await using var blind = etcd.Replicated(_prefix, "n0", o =>
        {
            o.Client.Endpoints.Clear();
            o.Client.Endpoints.Add(etcd.Cluster["n0"].ClientUrl);
        });

        var exported = await blind.ExportAsync(Migration(null, "n2"), CancellationToken.None);

        Assert.True(exported.IsEmpty);
        Assert.Null(blind.LastLeaderMove);
        Assert.Equal("n1", await etcd.LeaderAsync());
    }

    [Fact]
    public async Task Export_LeaderMoveInTheBackground_ReturnsBeforeTheMoveAndTheMoveCompletes()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0", o => o.AwaitLeaderMove = false);
        await n0.ExportAsync(Migration(null, "n0"), CancellationToken.None);
        await n0.PendingLeaderMove;

        await n0.ExportAsync(Migration(null, "n2"), CancellationToken.None);
        var returnedBeforeTheMove = !n0.PendingLeaderMove.IsCompleted;
        await n0.PendingLeaderMove.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(returnedBeforeTheMove);
        Assert.Equal(LeaderMoveOutcome.Moved, n0.LastLeaderMove);
        Assert.Equal("n2", await etcd.LeaderAsync());
    }

    [Fact]
    public async Task Export_MemberNamedInTheMap_MovesTheLeaderThere()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0", o => o.MemberNames["edge-west"] = "n2");
        await n0.ExportAsync(Migration(null, "n0"), CancellationToken.None);

        await n0.ExportAsync(Migration(null, "edge-west"), CancellationToken.None);

        Assert.Equal(LeaderMoveOutcome.Moved, n0.LastLeaderMove);
        Assert.Equal("n2", await etcd.LeaderAsync());
    }

    [Fact]
    public async Task Export_NodeWithoutAMember_LeavesTheLeader()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await n0.ExportAsync(Migration(null, "n1"), CancellationToken.None);

        await n0.ExportAsync(Migration(null, "nowhere"), CancellationToken.None);

        Assert.Equal(LeaderMoveOutcome.NoMember, n0.LastLeaderMove);
        Assert.Equal("n1", await etcd.LeaderAsync());
    }

    [Fact]
    public async Task Import_AwaitingCatchUp_WaitsUntilTheLocalMemberHasAppliedTheRevision()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await using var n2 = etcd.Replicated(_prefix, "n2", o =>
        {
            o.AwaitCatchUp = true;
            o.CatchUpTimeout = TimeSpan.FromSeconds(20);
        });
        await n0.ExportAsync(Migration(null, "n0"), CancellationToken.None);
        await etcd.Cluster["n2"].KillAsync();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 9 });
        await n0.WriteStateAsync("s", _grain, state);
        var revision = long.Parse(state.ETag!, CultureInfo.InvariantCulture);

        var import = n2.ImportAsync(Migration(state.ETag, "n2"), ReadOnlyMemory<byte>.Empty, CancellationToken.None);
        var waitedWhileDown = !import.IsCompleted;
        etcd.Cluster["n2"].Restart();
        await import.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(waitedWhileDown);
        var status = await n2.Storage.Client.StatusAsync(etcd.Cluster["n2"].ClientUrl);
        Assert.True(status.Revision >= revision, $"member n2 at {status.Revision}, ETag {revision}");
        var local = await n2.Storage.Client.GetAsync(n2.Storage.KeyOf("s", _grain), new EtcdGetOptions { Serializable = true });
        Assert.Equal(revision, Assert.Single(local.Kvs).ModRevision);
        await etcd.Cluster.WaitForLeaderAsync();
    }

    [Fact]
    public async Task Import_AwaitingCatchUp_LocalMemberStopped_TimesOutWithAClearError()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await using var n2 = etcd.Replicated(_prefix, "n2", o =>
        {
            o.AwaitCatchUp = true;
            o.CatchUpTimeout = TimeSpan.FromSeconds(1);
        });
        await n0.ExportAsync(Migration(null, "n0"), CancellationToken.None);
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await n0.WriteStateAsync("s", _grain, state);

        await WhileDownAsync("n2", async () =>
        {
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<EtcdStorageException>(() => n2.ImportAsync(Migration(state.ETag, "n2"), ReadOnlyMemory<byte>.Empty, CancellationToken.None));

            Assert.Contains($"did not catch up with revision {state.ETag} of state 's' of {_grain} within 00:00:01 (CatchUpTimeout)", e.Message, StringComparison.Ordinal);
            Assert.Contains("it does not answer", e.Message, StringComparison.Ordinal);
            Assert.Contains("The hand-over from", e.Message, StringComparison.Ordinal);
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        });
    }

    [Fact]
    public async Task Import_ByDefault_DoesNotWaitForTheLocalMember_AndTheTargetReadsAndWritesTheLatestState()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await using var n2 = etcd.Replicated(_prefix, "n2");
        await n0.ExportAsync(Migration(null, "n0"), CancellationToken.None);

        await WhileDownAsync("n2", async () =>
        {
            var state = new GrainState<ConformanceState>(new ConformanceState { Count = 9 });
            await n0.WriteStateAsync("s", _grain, state);

            // The target's own member is down, so it cannot have applied the revision: the import does not wait for it.
            var import = n2.ImportAsync(Migration(state.ETag, "n2"), ReadOnlyMemory<byte>.Empty, CancellationToken.None);
            var completedAtOnce = import.IsCompletedSuccessfully;
            await import;
            var handedOver = new GrainState<ConformanceState>(new ConformanceState()) { ETag = state.ETag };
            await n2.ReadStateAsync("s", _grain, handedOver);
            handedOver.State.Count = 10;
            await n2.WriteStateAsync("s", _grain, handedOver);
            var stored = new GrainState<ConformanceState>(new ConformanceState());
            await n0.ReadStateAsync("s", _grain, stored);

            Assert.True(completedAtOnce);
            Assert.Equal((10, handedOver.ETag), (stored.State.Count, stored.ETag));
            Assert.True(long.Parse(handedOver.ETag!, CultureInfo.InvariantCulture) > long.Parse(state.ETag!, CultureInfo.InvariantCulture));
        });
    }

    /// <summary>Writes state 's' of the grain (Count = <paramref name="count"/>) through <paramref name="silo"/>'s provider.</summary>
    private async Task<GrainState<ConformanceState>> WriteAsync(EtcdReplicatedMigration silo, int count)
    {
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = count });
        await silo.WriteStateAsync("s", _grain, state);
        return state;
    }

    /// <summary>A write with a stale ETag, refused: the provider no longer knows the stored revision is the owner's ETag.</summary>
    private async Task<GrainState<ConformanceState>> RefuseAStaleWriteAsync(EtcdReplicatedMigration silo)
    {
        var stale = new GrainState<ConformanceState>(new ConformanceState { Count = 2 }) { ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => silo.WriteStateAsync("s", _grain, stale));
        return stale;
    }

    /// <summary>Runs <paramref name="body"/> while <paramref name="node"/>'s member is killed; then restarts it and waits for a leader.</summary>
    private async Task WhileDownAsync(string node, Func<Task> body)
    {
        await etcd.Cluster[node].KillAsync();
        try
        {
            await body();
        }
        finally
        {
            etcd.Cluster[node].Restart();
            await etcd.Cluster.WaitForLeaderAsync();
        }
    }

    [Fact]
    public async Task HandOver_AfterAWriteWasRefused_TheTargetsNextReadIsLinearizable()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await using var n1 = etcd.Replicated(_prefix, "n1", o => o.AwaitCatchUp = true);
        var state = await WriteAsync(n0, count: 1);
        var clean = await n0.ExportAsync(Migration(state.ETag, targetNode: null), CancellationToken.None);
        await RefuseAStaleWriteAsync(n0);

        // The source no longer knows the stored revision is its ETag's; the target must not assume it either.
        var exported = await n0.ExportAsync(Migration(state.ETag, "n1"), CancellationToken.None);
        await n1.ImportAsync(Migration(state.ETag, "n1"), exported, CancellationToken.None);
        var handedOver = new GrainState<ConformanceState>(new ConformanceState()) { ETag = state.ETag };
        await n1.ReadStateAsync("s", _grain, handedOver);
        await n1.ReadStateAsync("s", _grain, handedOver);

        Assert.Equal((0, 1), (clean.Length, exported.Length));
        Assert.Equal((1, state.ETag), (handedOver.State.Count, handedOver.ETag));
        Assert.Equal((1L, 1L), (n1.Storage.LocalReads, n1.Storage.LinearizableReads));
    }

    [Fact]
    public async Task Read_AnotherGrainsReadAfterAWriteWasRefused_LeavesTheOwnersNextReadLinearizable()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var state = await WriteAsync(n1, count: 1);
        await RefuseAStaleWriteAsync(n1);

        // Another grain reads the record (it has no ETag of it): linearizable, but not the owner's read.
        var other = new GrainState<ConformanceState>(new ConformanceState());
        await n1.ReadStateAsync("s", _grain, other);
        var exported = await n1.ExportAsync(Migration(state.ETag, targetNode: null), CancellationToken.None);
        var owner = new GrainState<ConformanceState>(new ConformanceState()) { ETag = state.ETag };
        await n1.ReadStateAsync("s", _grain, owner);
        var exportedAfter = await n1.ExportAsync(Migration(owner.ETag, targetNode: null), CancellationToken.None);

        Assert.Equal((1, 0), (exported.Length, exportedAfter.Length));
        Assert.Equal((1, state.ETag), (owner.State.Count, owner.ETag));
        Assert.Equal((0L, 2L), (n1.Storage.LocalReads, n1.Storage.LinearizableReads));
    }

    [Fact]
    public async Task Import_UnknownExport_RefusesTheHandOverWithAClearError()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");

        var e = await Assert.ThrowsAsync<EtcdStorageException>(() => n1.ImportAsync(Migration("5", "n1"), new byte[] { 7, 0 }, CancellationToken.None));

        Assert.Contains("carries an export this provider does not know (2 bytes, first 7)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_NoETag_CompletesAtOnce()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");

        await n1.ImportAsync(Migration(null, "n1"), ReadOnlyMemory<byte>.Empty, CancellationToken.None);
    }

    [Fact]
    public async Task Read_ETagTheMemberHasApplied_IsServedLocally()
    {
        await using var n0 = etcd.Replicated(_prefix, "n0");
        await using var n1 = etcd.Replicated(_prefix, "n1", o => o.AwaitCatchUp = true);
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 3 });
        await n0.WriteStateAsync("s", _grain, state);
        await n1.ImportAsync(Migration(state.ETag, "n1"), ReadOnlyMemory<byte>.Empty, CancellationToken.None);

        var handedOver = new GrainState<ConformanceState>(new ConformanceState()) { ETag = state.ETag };
        await n1.ReadStateAsync("s", _grain, handedOver);
        var fresh = new GrainState<ConformanceState>(new ConformanceState());
        await n1.ReadStateAsync("s", _grain, fresh);

        Assert.Equal((3, state.ETag, 3, state.ETag), (handedOver.State.Count, handedOver.ETag, fresh.State.Count, fresh.ETag));
        Assert.Equal((1L, 1L), (n1.Storage.LocalReads, n1.Storage.LinearizableReads));
    }

    [Fact]
    public async Task Read_ETagAboveTheMembersRevision_IsLinearizable()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 4 });
        await n1.WriteStateAsync("s", _grain, state);
        var status = await n1.Storage.Client.StatusAsync(etcd.Cluster["n1"].ClientUrl);
        var ahead = (status.Revision + 1000).ToString(CultureInfo.InvariantCulture);

        var read = new GrainState<ConformanceState>(new ConformanceState()) { ETag = ahead };
        await n1.ReadStateAsync("s", _grain, read);

        Assert.Equal((4, state.ETag), (read.State.Count, read.ETag));
        Assert.Equal((0L, 1L), (n1.Storage.LocalReads, n1.Storage.LinearizableReads));
    }

    [Fact]
    public async Task Read_AfterAWriteWithAStaleETag_IsLinearizable()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var state = await WriteAsync(n1, count: 1);
        var stale = await RefuseAStaleWriteAsync(n1);

        await n1.ReadStateAsync("s", _grain, stale);
        await n1.ReadStateAsync("s", _grain, stale);

        Assert.Equal((1, state.ETag), (stale.State.Count, stale.ETag));
        Assert.Equal((1L, 1L), (n1.Storage.LocalReads, n1.Storage.LinearizableReads));
    }

    [Fact]
    public async Task Read_MemberCutOffFromItsPeers_ServesACheckedReadAndRefusesAnUncheckedOne()
    {
        await using var cluster = await EtcdCluster.StartAsync(["a0", "a1", "a2"]);
        await using var writer = etcd.Replicated(_prefix, "a0", cluster: cluster);
        await using var isolated = etcd.Replicated(_prefix, "a2", o =>
        {
            o.Client.Endpoints.Clear();
            o.Client.Endpoints.Add(cluster["a2"].ClientUrl);
            o.Client.RequestTimeout = TimeSpan.FromSeconds(1);
            o.AwaitCatchUp = true;
        }, cluster: cluster);
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 12 });
        await writer.WriteStateAsync("s", _grain, state);
        await isolated.ImportAsync(Migration(state.ETag, "a2"), ReadOnlyMemory<byte>.Empty, CancellationToken.None);
        await cluster["a0"].KillAsync();
        await cluster["a1"].KillAsync();

        var handedOver = new GrainState<ConformanceState>(new ConformanceState()) { ETag = state.ETag };
        await isolated.ReadStateAsync("s", _grain, handedOver);
        var fresh = new GrainState<ConformanceState>(new ConformanceState());
        var e = await Assert.ThrowsAsync<EtcdStorageException>(() => isolated.ReadStateAsync("s", _grain, fresh));

        Assert.Equal((12, state.ETag), (handedOver.State.Count, handedOver.ETag));
        Assert.IsAssignableFrom<EtcdException>(e.InnerException);
        Assert.StartsWith($"etcd grain storage 'proactive' failed to read '{isolated.Storage.KeyOf("s", _grain)}'", e.Message, StringComparison.Ordinal);
        Assert.Equal((1L, 0L), (isolated.Storage.LocalReads, isolated.Storage.LinearizableReads));
    }

    [Fact]
    public async Task ResolveWrite_FirstAttemptApplied_SucceedsWithItsRevisionWithoutWritingAgain()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await n1.WriteStateAsync("s", _grain, state);
        var before = long.Parse(state.ETag!, CultureInfo.InvariantCulture);
        state.State.Count = 2;
        await n1.WriteStateAsync("s", _grain, state);
        var bytes = ActorEdge.Serialization.Serializer.SerializeToArray(state.State);

        var outcome = await n1.Storage.ResolveWriteAsync(n1.Storage.KeyOf("s", _grain), before, bytes, CancellationToken.None);

        Assert.Equal(new EtcdWriteOutcome(true, long.Parse(state.ETag!, CultureInfo.InvariantCulture)), outcome);
        var kv = await n1.Storage.Client.GetValueAsync(n1.Storage.KeyOf("s", _grain));
        Assert.Equal(state.ETag, kv!.ModRevision.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ResolveWrite_FirstAttemptNotApplied_WritesNow()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await n1.WriteStateAsync("s", _grain, state);
        var bytes = ActorEdge.Serialization.Serializer.SerializeToArray(new ConformanceState { Count = 2 });

        var outcome = await n1.Storage.ResolveWriteAsync(n1.Storage.KeyOf("s", _grain), long.Parse(state.ETag!, CultureInfo.InvariantCulture), bytes, CancellationToken.None);

        var kv = await n1.Storage.Client.GetValueAsync(n1.Storage.KeyOf("s", _grain));
        Assert.Equal(new EtcdWriteOutcome(true, kv!.ModRevision), outcome);
        Assert.Equal(bytes, kv.Value.ToArray());
    }

    [Fact]
    public async Task ResolveWrite_KeyHoldsSomethingElse_FailsWithTheStoredRevision()
    {
        await using var n1 = etcd.Replicated(_prefix, "n1");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await n1.WriteStateAsync("s", _grain, state);
        var first = long.Parse(state.ETag!, CultureInfo.InvariantCulture);
        state.State.Count = 5;
        await n1.WriteStateAsync("s", _grain, state);
        var bytes = ActorEdge.Serialization.Serializer.SerializeToArray(new ConformanceState { Count = 2 });

        var outcome = await n1.Storage.ResolveWriteAsync(n1.Storage.KeyOf("s", _grain), first, bytes, CancellationToken.None);

        Assert.Equal(new EtcdWriteOutcome(false, long.Parse(state.ETag!, CultureInfo.InvariantCulture)), outcome);
    }

    [Fact]
    public void Replicated_NamesItsComponentsAndHandsOverTheInMemoryState()
    {
        using var n0 = etcd.Replicated(_prefix, "n0");

        Assert.Equal((false, "leader-move", "catch-up"), (n0.TransfersRecord, n0.ExportComponent, n0.ImportComponent));
    }

    private StateMigration Migration(string? etag, string? targetNode) => new(_grain, "s", etag, Source, Target, targetNode);
}
