using Xunit;

namespace ActorEdge.Etcd;

public sealed class EtcdClientLeaseTests(SingleMemberFixture etcd)
{
    private readonly EtcdClient _client = etcd.Client;
    private readonly string _prefix = $"lease-tests/{Guid.NewGuid():N}/";

    [Fact]
    public async Task Grant_PutWithLease_TimeToLiveListsKeyAndRevokeDeletesIt()
    {
        var lease = await _client.GrantLeaseAsync(TimeSpan.FromSeconds(30));
        await _client.PutAsync(_prefix + "k", "v", lease);

        var ttl = await _client.LeaseTimeToLiveAsync(lease, keys: true);
        await _client.RevokeLeaseAsync(lease);

        Assert.Equal(lease, ttl.Id);
        Assert.Equal(TimeSpan.FromSeconds(30), ttl.GrantedTtl);
        Assert.InRange(ttl.Ttl, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal([_prefix + "k"], ttl.Keys);
        Assert.Null(await _client.GetValueAsync(_prefix + "k"));
        Assert.True((await _client.LeaseTimeToLiveAsync(lease)).Ttl < TimeSpan.Zero);
    }

    [Fact]
    public async Task KeepAlive_RenewsBeyondTtl_AndDisposeLetsItExpire()
    {
        var lease = await _client.GrantLeaseAsync(TimeSpan.FromSeconds(1));
        await _client.PutAsync(_prefix + "alive", "v", lease);
        await using var watcher = await _client.WatchAsync(_prefix + "alive");
        var keepAlive = _client.KeepAlive(lease, TimeSpan.FromSeconds(1));

        // Six renewals at a third of the TTL span two TTLs.
        await WaitUntilAsync(() => keepAlive.Renewals >= 6);
        Assert.False(keepAlive.IsLost);
        Assert.NotNull(await _client.GetValueAsync(_prefix + "alive"));

        await keepAlive.DisposeAsync();
        var deletion = await NextEventAsync(watcher);

        Assert.Equal(EtcdEventType.Delete, deletion.Type);
        Assert.Equal(_prefix + "alive", deletion.Kv.KeyString);
    }

    [Fact]
    public async Task KeepAlive_OfRevokedLease_ReportsLost()
    {
        var lease = await _client.GrantLeaseAsync(TimeSpan.FromSeconds(5));
        await _client.RevokeLeaseAsync(lease);

        await using var keepAlive = _client.KeepAlive(lease, TimeSpan.FromSeconds(5));

        await WaitUntilAsync(() => keepAlive.IsLost);
        Assert.Equal(0, keepAlive.Renewals);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int seconds = 20)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    internal static async Task<EtcdWatchEvent> NextEventAsync(EtcdWatcher watcher, int seconds = 20)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await watcher.Events.ReadAsync(timeout.Token);
    }
}
