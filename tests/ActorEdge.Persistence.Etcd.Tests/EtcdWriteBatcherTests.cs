using System.Globalization;
using ActorEdge.Etcd.Testing;
using ActorEdge.Testing;
using Xunit;

namespace ActorEdge.Persistence.Etcd;

/// <summary>Write batching, on an etcd of its own so that its Txn counter counts only these writes.</summary>
public sealed class EtcdWriteBatcherTests(EtcdStorageFixture etcd) : IAsyncLifetime
{
    private const int Grains = 32;
    private EtcdCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await EtcdCluster.StartAsync(1);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Write_32ConcurrentGrains_TakesAtMostTwoTransactions()
    {
        await using var storage = etcd.CreateStorage("batch", null, _cluster);
        var states = NewStates();
        var before = await TxnCountAsync();

        await Task.WhenAll(states.Select((s, i) => storage.WriteStateAsync("s", GrainOf(i), s)));

        // One transaction in flight at a time: the first takes what was queued when it left, the
        // second everything queued meanwhile (32 writes <= 128 per transaction).
        var transactions = await TxnCountAsync() - before;
        Assert.InRange(transactions, 1, 2);
        Assert.Equal(transactions, storage.Batcher!.Transactions);
        for (var i = 0; i < Grains; i++)
        {
            var read = new GrainState<ConformanceState>(new ConformanceState());
            await storage.ReadStateAsync("s", GrainOf(i), read);
            Assert.Equal(i, read.State.Count);
            Assert.Equal(states[i].ETag, read.ETag);
        }
    }

    [Fact]
    public async Task Write_32ConcurrentGrainsWithoutBatching_Takes32Transactions()
    {
        await using var storage = etcd.CreateStorage("single", o => o.MaxWritesPerTransaction = 1, _cluster);
        var states = NewStates();
        var before = await TxnCountAsync();

        await Task.WhenAll(states.Select((s, i) => storage.WriteStateAsync("s", GrainOf(i), s)));

        Assert.Equal(Grains, await TxnCountAsync() - before);
        Assert.Null(storage.Batcher);
    }

    [Fact]
    public async Task Write_OneStaleEtagInABatch_FailsOnlyThatWrite()
    {
        await using var storage = etcd.CreateStorage("stale", null, _cluster);
        var states = NewStates();
        await Task.WhenAll(states.Select((s, i) => storage.WriteStateAsync("s", GrainOf(i), s)));
        // Another writer moves grain 5 on: its ETag here is stale now.
        await using var other = etcd.CreateStorage("stale", null, _cluster);
        var moved = new GrainState<ConformanceState>(new ConformanceState { Count = 500 }) { ETag = states[5].ETag };
        await other.WriteStateAsync("s", GrainOf(5), moved);
        var staleEtag = states[5].ETag;
        var before = await TxnCountAsync();

        var writes = states.Select((s, i) =>
        {
            s.State.Count = 1000 + i;
            return storage.WriteStateAsync("s", GrainOf(i), s);
        }).ToArray();
        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => writes[5]);
        await Task.WhenAll(writes.Where((_, i) => i != 5));

        // Grain 5 sits in one of at most two batches; that batch fails once and goes again without it.
        Assert.InRange(await TxnCountAsync() - before, 2, 3);
        Assert.Equal(moved.ETag, stale.StoredEtag);
        Assert.Equal(staleEtag, stale.CurrentEtag);
        Assert.Equal(31, writes.Count(w => w.IsCompletedSuccessfully));
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", GrainOf(5), read);
        Assert.Equal(500, read.State.Count);
        await storage.ReadStateAsync("s", GrainOf(6), read);
        Assert.Equal(1006, read.State.Count);
    }

    [Fact]
    public async Task Write_SameStateTwiceConcurrently_OneWinsTheOtherIsStale()
    {
        await using var storage = etcd.CreateStorage("twice", null, _cluster);
        var first = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        var second = new GrainState<ConformanceState>(new ConformanceState { Count = 2 });

        // etcd refuses one key twice in a transaction: the second goes in the next batch, and fails its compare there.
        var a = storage.WriteStateAsync("s", GrainOf(0), first);
        var b = storage.WriteStateAsync("s", GrainOf(0), second);
        await a;
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => b);

        Assert.Equal(first.ETag, e.StoredEtag);
    }

    private static List<GrainState<ConformanceState>> NewStates() =>
        [.. Enumerable.Range(0, Grains).Select(i => new GrainState<ConformanceState>(new ConformanceState { Count = i, Blob = new byte[1024] }))];

    private static GrainId GrainOf(int i) => new("batch", i.ToString(CultureInfo.InvariantCulture));

    /// <summary>Txn RPCs etcd started, from its own metrics: an independent count.</summary>
    private async Task<long> TxnCountAsync()
    {
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(_cluster.ClientUrls[0], "/metrics"));
        const string Line = "grpc_server_started_total{grpc_method=\"Txn\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} ";
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(Line, StringComparison.Ordinal))
            {
                return long.Parse(line[Line.Length..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
