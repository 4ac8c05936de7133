using Xunit;

namespace ActorEdge.Persistence.Etcd.Migration;

public sealed class EtcdLeaderPolicyTests(ThreeNodeEtcdFixture etcd) : IClassFixture<ThreeNodeEtcdFixture>
{
    private readonly string _prefix = $"svc-{Guid.NewGuid():N}";
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 5, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task MoveToNode_WithinTheCooldown_LeaderStaysUntilItEnds()
    {
        await using var n0 = Silo("n0");
        await using var n2 = Silo("n2");
        await Reset("n0");

        var first = await n0.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(9.999));
        var early = await n2.LeaderPolicy.MoveToNodeAsync("n2", CancellationToken.None);
        var leaderDuringCooldown = await etcd.LeaderAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var after = await n2.LeaderPolicy.MoveToNodeAsync("n2", CancellationToken.None);

        Assert.Equal((LeaderMoveOutcome.Moved, LeaderMoveOutcome.CoolingDown, "n1", LeaderMoveOutcome.Moved), (first, early, leaderDuringCooldown, after));
        Assert.Equal("n2", await etcd.LeaderAsync());
        var claim = await n0.Storage.Client.GetValueAsync(n0.LeaderPolicy.ClaimKey);
        Assert.Equal($"n2 {_time.GetUtcNow().ToUnixTimeMilliseconds()}", claim!.ValueString);
    }

    [Fact]
    public async Task MoveToNode_AskedAgainWithinTheCooldown_IsRefusedFromTheLastClaimWithoutAskingEtcd()
    {
        await using var n0 = Silo("n0");
        await using var n2 = Silo("n2");
        await Reset("n0");
        Assert.Equal(LeaderMoveOutcome.Moved, await n0.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None));

        var asks = new List<LeaderMoveOutcome>();
        for (var i = 0; i < 8; i++)
        {
            asks.Add(await n2.LeaderPolicy.MoveToNodeAsync("n2", CancellationToken.None));
        }
        // The silo that made the claim: asked for another member, it answers from its own claim too.
        var fromTheClaimant = await n0.LeaderPolicy.MoveToNodeAsync("n2", CancellationToken.None);

        Assert.All(asks, o => Assert.Equal(LeaderMoveOutcome.CoolingDown, o));
        Assert.Equal(LeaderMoveOutcome.CoolingDown, fromTheClaimant);
        Assert.Equal((1, 1), (n2.LeaderPolicy.Decisions, n0.LeaderPolicy.Decisions));
        Assert.Equal("n1", await etcd.LeaderAsync());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(LeaderMoveOutcome.Moved, await n2.LeaderPolicy.MoveToNodeAsync("n2", CancellationToken.None));
        Assert.Equal("n2", await etcd.LeaderAsync());
    }

    [Fact]
    public async Task MoveToNode_BackToTheClaimedMemberWithinTheCooldown_AnswersWithoutAskingEtcd()
    {
        await using var n0 = Silo("n0");
        await using var n1 = Silo("n1");
        await Reset("n0");
        Assert.Equal(LeaderMoveOutcome.Moved, await n0.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None));
        var afterTheMove = n0.LeaderPolicy.RoundTrips;
        // A linearizable read through n1's member: it has applied the claim, which n1's policy reads serializably.
        Assert.NotNull(await n1.Storage.Client.GetValueAsync(n1.LeaderPolicy.ClaimKey));
        // A silo that learns of the claim sees the leader there once, then asks nothing more.
        Assert.Equal(LeaderMoveOutcome.CoolingDown, await n1.LeaderPolicy.MoveToNodeAsync("n0", CancellationToken.None));
        Assert.Equal(LeaderMoveOutcome.AlreadyLeader, await n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None));
        var seenByN1 = n1.LeaderPolicy.RoundTrips;

        var asks = new List<LeaderMoveOutcome>();
        for (var i = 0; i < 4; i++)
        {
            asks.Add(await n0.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None));
            asks.Add(await n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None));
        }

        Assert.All(asks, o => Assert.Equal(LeaderMoveOutcome.AlreadyLeader, o));
        Assert.Equal((afterTheMove, seenByN1), (n0.LeaderPolicy.RoundTrips, n1.LeaderPolicy.RoundTrips));
        Assert.Equal("n1", await etcd.LeaderAsync());
        // Once the cool-down ended, the leader is checked again (it may have been moved since).
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(LeaderMoveOutcome.AlreadyLeader, await n0.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None));
        Assert.True(n0.LeaderPolicy.RoundTrips > afterTheMove);
    }

    [Fact]
    public async Task MoveToNode_LeaderAlreadyThere_DoesNotClaim()
    {
        await using var n1 = Silo("n1");
        await Reset("n1");

        var outcome = await n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None);

        Assert.Equal(LeaderMoveOutcome.AlreadyLeader, outcome);
        Assert.Null(await n1.Storage.Client.GetValueAsync(n1.LeaderPolicy.ClaimKey));
    }

    [Fact]
    public async Task MoveToNode_TwoSilosAtOnce_OnlyOneMovesTheLeader()
    {
        await using var n1 = Silo("n1");
        await using var n2 = Silo("n2");
        await Reset("n0");

        var outcomes = await Task.WhenAll(
            n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None),
            n2.LeaderPolicy.MoveToNodeAsync("n2", CancellationToken.None));

        Assert.Equal(1, outcomes.Count(o => o == LeaderMoveOutcome.Moved));
        Assert.Contains(outcomes.Single(o => o != LeaderMoveOutcome.Moved), new[] { LeaderMoveOutcome.LostClaim, LeaderMoveOutcome.CoolingDown });
        var winner = outcomes[0] == LeaderMoveOutcome.Moved ? "n1" : "n2";
        Assert.Equal(winner, await etcd.LeaderAsync());
    }

    [Fact]
    public async Task MoveToNode_ClaimStampedFarInTheFuture_IsTreatedAsExpired()
    {
        await using var n1 = Silo("n1");
        await Reset("n0");
        await n1.Storage.Client.PutAsync(n1.LeaderPolicy.ClaimKey, $"n0 {_time.GetUtcNow().AddSeconds(11).ToUnixTimeMilliseconds()}");

        var outcome = await n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None);

        Assert.Equal(LeaderMoveOutcome.Moved, outcome);
        Assert.Equal("n1", await etcd.LeaderAsync());
    }

    [Fact]
    public async Task MoveToNode_ZeroCooldown_EveryMigrationMovesTheLeader()
    {
        await using var n0 = Silo("n0", TimeSpan.Zero);
        await Reset("n0");

        var outcomes = new List<LeaderMoveOutcome>();
        foreach (var node in new[] { "n1", "n2", "n1" })
        {
            outcomes.Add(await n0.LeaderPolicy.MoveToNodeAsync(node, CancellationToken.None));
        }

        Assert.Equal([LeaderMoveOutcome.Moved, LeaderMoveOutcome.Moved, LeaderMoveOutcome.Moved], outcomes);
        Assert.Equal("n1", await etcd.LeaderAsync());
        Assert.Null(await n0.Storage.Client.GetValueAsync(n0.LeaderPolicy.ClaimKey));
    }

    [Fact]
    public async Task MoveToNode_LocalMemberDoesNotAnswer_AnotherMemberDecidesAndTheLeaderMoves()
    {
        // This node's member is down (nothing listens on its endpoint): the policy asks the others.
        var down = new Uri("http://127.0.0.1:1");
        await using var n1 = etcd.Replicated(_prefix, "n1", o =>
        {
            o.LeaderMoveCooldown = TimeSpan.FromSeconds(10);
            o.Client.Endpoints.Insert(0, down);
            o.LocalMember = down;
        }, _time);
        await Reset("n0");

        var moved = await n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None);
        var again = await n1.LeaderPolicy.MoveToNodeAsync("n1", CancellationToken.None);

        Assert.Equal((LeaderMoveOutcome.Moved, LeaderMoveOutcome.AlreadyLeader), (moved, again));
        Assert.Equal("n1", await etcd.LeaderAsync());
    }

    [Theory]
    [InlineData("n1 1763787600000", true, "n1", 1763787600000L)]
    [InlineData("edge node 7 -5", true, "edge node 7", -5L)]
    [InlineData("n1", false, "", 0L)]
    [InlineData("n1 soon", false, "", 0L)]
    public void TryParseClaim_ReadsMemberAndTime(string value, bool parsed, string member, long unixMs)
    {
        var ok = EtcdLeaderPolicy.TryParseClaim(value, out var name, out var at);

        Assert.Equal((parsed, member), (ok, name));
        if (parsed)
        {
            Assert.Equal(unixMs, at.ToUnixTimeMilliseconds());
        }
    }

    private EtcdReplicatedMigration Silo(string node, TimeSpan? cooldown = null) =>
        etcd.Replicated(_prefix, node, o => o.LeaderMoveCooldown = cooldown ?? TimeSpan.FromSeconds(10), _time);

    /// <summary>Puts the leader on <paramref name="node"/> without the policy (no claim).</summary>
    private async Task Reset(string node)
    {
        await using var client = etcd.Cluster.CreateClient();
        if (await etcd.LeaderAsync() != node)
        {
            await client.MoveLeaderAsync(etcd.Cluster[node].MemberId);
        }
        Assert.Equal(node, await etcd.LeaderAsync());
    }
}

/// <summary>A clock that moves only when told.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
