using ActorEdge.Etcd.Testing;
using Xunit;

namespace ActorEdge.Etcd;

/// <summary>Tests that stop and restart their own single etcd member.</summary>
public sealed class EtcdRestartTests
{
    [Fact]
    public async Task EtcdRestartedDuringWatch_WatchResumesAndDeliversEveryEventExactlyOnce()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        await using var watching = cluster.CreateClient();
        await using var writing = cluster.CreateClient();
        await using var watcher = await watching.WatchAsync("restart/", new EtcdWatchOptions { Prefix = true });

        for (var i = 0; i < 30; i++)
        {
            await writing.PutAsync($"restart/{i:D3}", $"v{i}");
        }
        await cluster.Members[0].KillAsync();
        cluster.Members[0].Restart();
        for (var i = 30; i < 60; i++)
        {
            await writing.PutAsync($"restart/{i:D3}", $"v{i}");
        }
        await writing.DeleteAsync("restart/000");
        var end = await writing.PutAsync("restart/zz-end", "end");

        var events = new List<EtcdWatchEvent>();
        while (events.Count == 0 || events[^1].Kv.KeyString != "restart/zz-end")
        {
            events.Add(await EtcdClientLeaseTests.NextEventAsync(watcher));
        }

        var expected = Enumerable.Range(0, 60).Select(i => $"PUT restart/{i:D3}=v{i}").Append("DELETE restart/000=").Append("PUT restart/zz-end=end");
        Assert.Equal(expected, events.Select(e => $"{e.Type.ToString().ToUpperInvariant()} {e.Kv.KeyString}={e.Kv.ValueString}"));
        Assert.Equal(end.Revision, events[^1].Revision);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Revision < p.Second.Revision), "revisions must strictly increase");
        Assert.True(watcher.Resumptions >= 1, "the watch was not re-created after the restart");
    }

    [Fact]
    public async Task Authentication_WithUserAndPassword_WorksAndWrongPasswordIsRefused()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        await cluster.EtcdctlAsync("user", "add", "root:secret-pw");
        await cluster.EtcdctlAsync("auth", "enable");
        await using var client = cluster.CreateClient(o => { o.Username = "root"; o.Password = "secret-pw"; });
        await using var wrong = cluster.CreateClient(o => { o.Username = "root"; o.Password = "wrong"; });

        await client.PutAsync("auth/k", "v");
        var e = await Assert.ThrowsAsync<EtcdAuthenticationException>(() => wrong.GetValueAsync("auth/k"));

        Assert.Equal("v", (await client.GetValueAsync("auth/k"))!.ValueString);
        Assert.Contains("authentication failed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", client.ToString() + new EtcdClientOptions { Username = "root", Password = "secret-pw" }, StringComparison.Ordinal);
    }
}
