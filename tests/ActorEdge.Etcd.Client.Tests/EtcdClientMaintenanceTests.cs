using Xunit;

namespace ActorEdge.Etcd;

public sealed class EtcdClientMaintenanceTests(SingleMemberFixture etcd)
{
    private readonly EtcdClient _client = etcd.Client;

    [Fact]
    public async Task Status_ReportsLeaderTermAndDbSize()
    {
        var member = etcd.Cluster.Members[0];

        var status = await _client.StatusAsync(member.ClientUrl);

        Assert.Equal(member.MemberId, status.MemberId);
        Assert.Equal(status.MemberId, status.Leader);
        Assert.True(status.RaftTerm >= 1);
        Assert.True(status.DbSize > 0);
        Assert.StartsWith("3.", status.Version, StringComparison.Ordinal);
        Assert.Empty(status.Errors);
    }

    [Fact]
    public async Task MemberList_ListsTheMemberWithItsUrls()
    {
        var member = etcd.Cluster.Members[0];

        var only = Assert.Single(await _client.MemberListAsync());

        Assert.Equal(member.MemberId, only.Id);
        Assert.Equal(member.Name, only.Name);
        Assert.Equal([member.ClientUrl.ToString().TrimEnd('/')], only.ClientUrls);
        Assert.Equal([member.PeerUrl.ToString().TrimEnd('/')], only.PeerUrls);
    }

    [Fact]
    public async Task Defragment_And_Alarms_Succeed()
    {
        await _client.DefragmentAsync(etcd.Cluster.Members[0].ClientUrl);

        Assert.Empty(await _client.AlarmsAsync());
    }
}
