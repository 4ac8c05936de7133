using ActorEdge.Etcd.Testing;
using Xunit;

namespace ActorEdge.Etcd;

/// <summary>A three-member cluster per class: tests that stop members restart them before they end.</summary>
public sealed class ThreeMemberFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await EtcdCluster.StartAsync(3);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class EtcdFailoverTests(ThreeMemberFixture etcd) : IClassFixture<ThreeMemberFixture>
{
    private readonly string _prefix = $"failover/{Guid.NewGuid():N}/";

    [Fact]
    public async Task Writes_AreRoutedToTheLeaderEndpoint()
    {
        var leader = await etcd.Cluster.WaitForLeaderAsync();
        // List the leader last so that routing, not preference, brings writes to it.
        await using var client = etcd.Cluster.CreateClient(null, [.. etcd.Cluster.Members.Where(m => m != leader), leader]);

        await client.PutAsync(_prefix + "warm", "up");
        await EtcdClientLeaseTests.WaitUntilAsync(() => client.WriteEndpoint == leader.ClientUrl);
        await client.PutAsync(_prefix + "routed", "v");

        Assert.Equal(leader.ClientUrl, client.WriteEndpoint);
        Assert.Equal("v", (await client.GetValueAsync(_prefix + "routed"))!.ValueString);
    }

    [Fact]
    public async Task LeaderKilledDuringWrites_EveryAcknowledgedWriteIsPresent_AndTheClientFailsOver()
    {
        var leader = await etcd.Cluster.WaitForLeaderAsync();
        await using var client = etcd.Cluster.CreateClient();
        await client.PutAsync(_prefix + "warm", "up");
        await EtcdClientLeaseTests.WaitUntilAsync(() => client.WriteEndpoint == leader.ClientUrl);
        const int total = 150;
        var acknowledged = new List<int>();
        var notApplied = new List<int>();
        var unknown = new List<int>();
        var killAfter = new TaskCompletionSource();

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                try
                {
                    await client.PutAsync($"{_prefix}k/{i:D4}", $"v{i}");
                    acknowledged.Add(i);
                }
                catch (EtcdUnavailableException e)
                {
                    (e.MayHaveBeenApplied ? unknown : notApplied).Add(i);
                }
                if (i == 40)
                {
                    await killAfter.Task;
                }
            }
        });
        killAfter.SetResult();
        await leader.KillAsync();
        await writer;
        leader.Restart();
        await etcd.Cluster.WaitForLeaderAsync();

        var stored = await client.GetAsync(_prefix + "k/", new EtcdGetOptions { Prefix = true });
        var present = stored.Kvs.ToDictionary(kv => int.Parse(kv.KeyString[^4..]), kv => kv.ValueString);
        foreach (var i in acknowledged)
        {
            Assert.Equal($"v{i}", present[i]);
        }
        foreach (var i in notApplied)
        {
            Assert.False(present.ContainsKey(i), $"write {i} was reported as not applied but is present");
        }
        Assert.Equal(total, acknowledged.Count + notApplied.Count + unknown.Count);
        // The writes after the leader died went through another member.
        Assert.Contains(total - 1, acknowledged);
        Assert.NotEqual(leader.ClientUrl, client.WriteEndpoint);
    }

    [Fact]
    public async Task MoveLeader_TransfersLeadership()
    {
        var leader = await etcd.Cluster.WaitForLeaderAsync();
        var target = etcd.Cluster.Members.First(m => m != leader);
        await using var client = etcd.Cluster.CreateClient();

        await client.MoveLeaderAsync(target.MemberId);

        Assert.Equal(target, await etcd.Cluster.WaitForLeaderAsync());
        Assert.Equal(target.MemberId, (await client.StatusAsync(leader.ClientUrl)).Leader);
    }

    [Fact]
    public async Task MoveLeaderDuringWrites_EveryWriteSucceedsExactlyOnce()
    {
        await using var client = etcd.Cluster.CreateClient();
        await using var mover = etcd.Cluster.CreateClient();
        var (written, ambiguous, keys) = (0, 0, 0);
        using var stop = new CancellationTokenSource();
        var writing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Create-only: a write applied twice would fail its second compare.
                var key = $"{_prefix}seq/{keys++:D6}";
                bool succeeded;
                try
                {
                    succeeded = (await client.TxnAsync(new EtcdTxn().If(EtcdCompare.CreateRevision(key, EtcdCompareResult.Equal, 0)).Then(EtcdOp.Put(key, "v"u8.ToArray())))).Succeeded;
                }
                catch (EtcdUnavailableException e) when (e.MayHaveBeenApplied)
                {
                    // etcd can lose a proposal forwarded to a leader handing over and answer "request
                    // timed out": the client must not repeat the write, and says it may have been applied.
                    // The caller learns the outcome by reading; every write takes a new key, so one that
                    // was read as not applied cannot fail the compare of its retry.
                    ambiguous++;
                    succeeded = await client.GetValueAsync(key) is not null;
                    if (!succeeded)
                    {
                        continue;
                    }
                }
                Assert.True(succeeded, key);
                written++;
            }
        });

        for (var i = 0; i < 6; i++)
        {
            var leader = await etcd.Cluster.WaitForLeaderAsync();
            var next = etcd.Cluster.Members[(etcd.Cluster.Members.ToList().IndexOf(leader) + 1) % etcd.Cluster.Members.Count];
            await mover.MoveLeaderAsync(next.MemberId);
        }
        await stop.CancelAsync();
        await writing;

        Assert.Equal(written, (await client.GetAsync(_prefix + "seq/", new EtcdGetOptions { Prefix = true, KeysOnly = true })).Count);
        Assert.True(written > ambiguous, $"{written} writes, {ambiguous} of them with an ambiguous outcome");
    }

    [Fact]
    public void CanRetry_ProposalDroppedDuringLeaderTransfer_IsSafeForWrites()
    {
        using var client = etcd.Cluster.CreateClient();

        var retry = client.CanRetry(new Grpc.GrpcCallException(GrpcStatusCode.Unknown, "raft proposal dropped", notSent: false), CallKind.Write);

        Assert.Equal((true, false), retry);
    }

    [Fact]
    public async Task MemberAddLearner_ThenRemove_ChangesTheMemberList()
    {
        await using var client = etcd.Cluster.CreateClient();

        var added = await client.MemberAddAsync([new Uri("http://127.0.0.1:1")], isLearner: true);
        // etcd 3.4 answers MemberList from whichever member serves it, which may not have applied
        // the configuration change yet: wait (bounded) until the list shows it.
        var withLearner = await client.MemberListAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (withLearner.Count != 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            withLearner = await client.MemberListAsync();
        }
        var afterRemove = await client.MemberRemoveAsync(added.Id);

        Assert.True(added.IsLearner);
        Assert.Equal(["http://127.0.0.1:1"], added.PeerUrls);
        Assert.Equal(4, withLearner.Count);
        Assert.Equal(etcd.Cluster.Members.Select(m => m.MemberId).Order(), afterRemove.Select(m => m.Id).Order());
    }
}
