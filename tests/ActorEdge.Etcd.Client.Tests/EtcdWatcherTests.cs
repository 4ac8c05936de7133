using Xunit;

namespace ActorEdge.Etcd;

public sealed class EtcdWatcherTests(SingleMemberFixture etcd)
{
    private readonly EtcdClient _client = etcd.Client;
    private readonly string _prefix = $"watch-tests/{Guid.NewGuid():N}/";

    [Fact]
    public async Task ManyWatches_OnOneStream_EachGetsExactlyItsEvents()
    {
        await using var a = await _client.WatchAsync(_prefix + "a/", new EtcdWatchOptions { Prefix = true });
        await using var b = await _client.WatchAsync(_prefix + "b/", new EtcdWatchOptions { Prefix = true, PrevKv = true });
        await using var single = await _client.WatchAsync(_prefix + "a/1");

        await _client.PutAsync(_prefix + "a/1", "a1");
        await _client.PutAsync(_prefix + "b/1", "b1");
        await _client.PutAsync(_prefix + "a/2", "a2");
        await _client.PutAsync(_prefix + "b/1", "b1'");
        await _client.DeleteAsync(_prefix + "a/1");

        Assert.Equal(["PUT a1", "PUT a2", "DELETE "], await TakeAsync(a, 3));
        Assert.Equal(["PUT b1", "PUT b1'"], await TakeAsync(b, 2));
        Assert.Equal(["PUT a1", "DELETE "], await TakeAsync(single, 2));
        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task Watch_WithPrevKv_DeliversPreviousValue()
    {
        await _client.PutAsync(_prefix + "prev", "before");
        await using var watcher = await _client.WatchAsync(_prefix + "prev", new EtcdWatchOptions { PrevKv = true });

        await _client.PutAsync(_prefix + "prev", "after");
        var e = await EtcdClientLeaseTests.NextEventAsync(watcher);

        Assert.Equal("after", e.Kv.ValueString);
        Assert.Equal("before", e.PrevKv!.ValueString);
    }

    internal static async Task<string[]> TakeAsync(EtcdWatcher watcher, int count)
    {
        var result = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var e = await EtcdClientLeaseTests.NextEventAsync(watcher);
            result.Add($"{e.Type.ToString().ToUpperInvariant()} {e.Kv.ValueString}");
        }
        Assert.False(watcher.Events.TryRead(out var extra), $"unexpected event {extra?.Kv.KeyString}");
        return [.. result];
    }
}
