using System.Text;
using Xunit;

namespace ActorEdge.Etcd;

public sealed class EtcdClientKvTests(SingleMemberFixture etcd)
{
    private readonly EtcdClient _client = etcd.Client;
    private readonly string _prefix = $"kv-tests/{Guid.NewGuid():N}/";

    [Fact]
    public async Task Put_ThenGet_ReturnsValueAndRevisions()
    {
        var put = await _client.PutAsync(_prefix + "a", "one");

        var kv = await _client.GetValueAsync(_prefix + "a");

        Assert.NotNull(kv);
        Assert.Equal("one", kv.ValueString);
        Assert.Equal(_prefix + "a", kv.KeyString);
        Assert.Equal(put.Revision, kv.ModRevision);
        Assert.Equal(put.Revision, kv.CreateRevision);
        Assert.Equal(1, kv.Version);
    }

    [Fact]
    public async Task Put_WithPrevKv_ReturnsPreviousValue()
    {
        var first = await _client.PutAsync(_prefix + "p", "old");

        var second = await _client.PutAsync(_prefix + "p", "new", prevKv: true);

        Assert.NotNull(second.PrevKv);
        Assert.Equal("old", second.PrevKv.ValueString);
        Assert.Equal(first.Revision, second.PrevKv.ModRevision);
        // Other tests write to the same etcd concurrently: the store revision only has to move on.
        Assert.True(second.Revision > first.Revision, $"revision {second.Revision} did not advance past {first.Revision}");
        var current = await _client.GetValueAsync(_prefix + "p");
        Assert.Equal(second.Revision, current!.ModRevision);
    }

    [Fact]
    public async Task Get_Missing_ReturnsNull() => Assert.Null(await _client.GetValueAsync(_prefix + "missing"));

    [Fact]
    public async Task Get_PrefixWithLimit_ReturnsFirstKeysInOrderAndCount()
    {
        foreach (var name in new[] { "c", "a", "b" })
        {
            await _client.PutAsync(_prefix + "range/" + name, name);
        }
        await _client.PutAsync(_prefix + "rangeX", "outside");

        var all = await _client.GetAsync(_prefix + "range/", new EtcdGetOptions { Prefix = true });
        var limited = await _client.GetAsync(_prefix + "range/", new EtcdGetOptions { Prefix = true, Limit = 2, Serializable = true });

        Assert.Equal(["a", "b", "c"], all.Kvs.Select(k => k.ValueString));
        Assert.False(all.More);
        Assert.Equal(["a", "b"], limited.Kvs.Select(k => k.ValueString));
        Assert.True(limited.More);
        Assert.Equal(3, limited.Count);
    }

    [Fact]
    public async Task Delete_Prefix_DeletesEveryKeyAndReturnsThem()
    {
        await _client.PutAsync(_prefix + "d/1", "1");
        await _client.PutAsync(_prefix + "d/2", "2");

        var deleted = await _client.DeleteAsync(_prefix + "d/", prefix: true, prevKv: true);

        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(["1", "2"], deleted.PrevKvs.Select(k => k.ValueString));
        Assert.Equal(0, (await _client.GetAsync(_prefix + "d/", new EtcdGetOptions { Prefix = true })).Count);
    }

    [Fact]
    public async Task Txn_CreateRevisionZero_CreatesOnceThenTakesElseBranch()
    {
        var key = _prefix + "txn-create";
        EtcdTxn Create(string value) => new EtcdTxn()
            .If(EtcdCompare.CreateRevision(key, EtcdCompareResult.Equal, 0))
            .Then(EtcdOp.Put(key, Encoding.UTF8.GetBytes(value)))
            .Else(EtcdOp.Get(key));

        var first = await _client.TxnAsync(Create("first"));
        var second = await _client.TxnAsync(Create("second"));

        Assert.True(first.Succeeded);
        Assert.Equal(first.Revision, first.Responses[0].Put!.Revision);
        Assert.False(second.Succeeded);
        Assert.Equal("first", Assert.Single(second.Responses[0].Range!.Kvs).ValueString);
    }

    [Fact]
    public async Task Txn_ComparesModRevisionVersionAndValue()
    {
        var key = _prefix + "txn-cas";
        var put = await _client.PutAsync(key, "v1");

        var stale = await _client.TxnAsync(new EtcdTxn().If(EtcdCompare.ModRevision(key, EtcdCompareResult.Equal, put.Revision - 1)).Then(EtcdOp.Put(key, "x"u8.ToArray())));
        var byValue = await _client.TxnAsync(new EtcdTxn()
            .If(EtcdCompare.Value(key, EtcdCompareResult.Equal, "v1"u8.ToArray()), EtcdCompare.Version(key, EtcdCompareResult.Equal, 1), EtcdCompare.ModRevision(key, EtcdCompareResult.Equal, put.Revision))
            .Then(EtcdOp.Put(key, "v2"u8.ToArray()), EtcdOp.Get(key)));

        Assert.False(stale.Succeeded);
        Assert.Empty(stale.Responses);
        Assert.True(byValue.Succeeded);
        Assert.Equal("v2", Assert.Single(byValue.Responses[1].Range!.Kvs).ValueString);
        Assert.Equal(2, byValue.Responses[1].Range!.Kvs[0].Version);
    }

    [Fact]
    public async Task Put_OverClientLimit_ThrowsRequestTooLargeNamingTheLimit()
    {
        var value = new byte[2 * 1024 * 1024];

        var e = await Assert.ThrowsAsync<EtcdRequestTooLargeException>(() => _client.PutAsync(_prefix + "big", value));

        Assert.Equal(1536 * 1024, e.LimitBytes);
        Assert.Contains("1572864 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("--max-request-bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_OverServerLimit_ThrowsRequestTooLarge()
    {
        // The client is told a larger limit than the server's, so the server refuses.
        await using var client = etcd.Cluster.CreateClient(o => o.MaxRequestBytes = 8 * 1024 * 1024);

        var e = await Assert.ThrowsAsync<EtcdRequestTooLargeException>(() => client.PutAsync(_prefix + "big", new byte[1600 * 1024]));

        Assert.Contains("request size limit", e.Message, StringComparison.Ordinal);
        Assert.Null(await _client.GetValueAsync(_prefix + "big"));
    }
}
