using Xunit;

namespace ActorEdge.Etcd;

/// <summary>Tests that read old revisions or compact them: kept in one class so they never run concurrently.</summary>
public sealed class EtcdHistoryTests(SingleMemberFixture etcd)
{
    private readonly EtcdClient _client = etcd.Client;
    private readonly string _prefix = $"history-tests/{Guid.NewGuid():N}/";

    [Fact]
    public async Task Watch_FromStartRevision_ReplaysHistory()
    {
        var first = await _client.PutAsync(_prefix + "h", "1");
        await _client.PutAsync(_prefix + "h", "2");

        await using var watcher = await _client.WatchAsync(_prefix + "h", new EtcdWatchOptions { StartRevision = first.Revision });

        Assert.Equal(["PUT 1", "PUT 2"], await EtcdWatcherTests.TakeAsync(watcher, 2));
    }

    [Fact]
    public async Task Watch_FromCompactedRevision_FailsWithCompacted()
    {
        var first = await _client.PutAsync(_prefix + "c", "1");
        var second = await _client.PutAsync(_prefix + "c", "2");
        await _client.CompactAsync(second.Revision);

        await using var watcher = await _client.WatchAsync(_prefix + "c", new EtcdWatchOptions { StartRevision = first.Revision });
        var e = await Assert.ThrowsAsync<EtcdCompactedException>(async () =>
        {
            await foreach (var unexpected in watcher.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                Assert.Fail($"event at {unexpected.Revision} from compacted history");
            }
        });

        Assert.True(e.CompactRevision >= second.Revision, $"compact revision {e.CompactRevision}");
        Assert.Equal(first.Revision, e.RequestedRevision);
        Assert.Contains("compacted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compact_ThenReadOldRevision_ThrowsCompacted()
    {
        var key = _prefix + "compact";
        var first = await _client.PutAsync(key, "1");
        var second = await _client.PutAsync(key, "2");

        await _client.CompactAsync(second.Revision);

        await Assert.ThrowsAsync<EtcdCompactedException>(() => _client.GetAsync(key, new EtcdGetOptions { Revision = first.Revision }));
        Assert.Equal("2", (await _client.GetValueAsync(key))!.ValueString);
    }
}
