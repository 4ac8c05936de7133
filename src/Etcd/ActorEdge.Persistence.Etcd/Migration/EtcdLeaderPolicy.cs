using System.Globalization;
using System.Text;
using ActorEdge.Etcd;
using Microsoft.Extensions.Logging;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>What <see cref="EtcdLeaderPolicy.MoveToNodeAsync"/> did.</summary>
internal enum LeaderMoveOutcome
{
    /// <summary>The leader was moved to the node's member.</summary>
    Moved,

    /// <summary>The node's member already led.</summary>
    AlreadyLeader,

    /// <summary>The leader moved less than the cool-down ago: it stays.</summary>
    CoolingDown,

    /// <summary>Another silo claimed a move at the same time and won: the leader follows that one.</summary>
    LostClaim,

    /// <summary>No member serves the node (not in the member list under its name or mapped name).</summary>
    NoMember,
}

/// <summary>
/// The leader-competition policy of the Proactive strategy on etcd: grains on several nodes may
/// want the one etcd leader at once, so a move must be claimed, and a claim holds for a cool-down.
/// </summary>
/// <remarks>
/// The claim is a key, <c>{prefix}/.actoredge/leader-move</c>, holding <c>{member} {unix ms}</c>
/// of the last move (inspect it with etcdctl). A silo moves the leader to the target node's member
/// only if that member does not lead already, and the last claim is older than
/// <see cref="EtcdStorageOptions.LeaderMoveCooldown"/>, and it wins the claim: a transaction that
/// puts the new claim if the key's mod revision is still the one it read. So however many silos
/// ask, the leader moves at most once per cool-down (no thrash), and the first migration after a
/// cool-down decides where it goes. Refused moves cost latency only: writes and linearizable reads
/// still go to the leader wherever it is, and local reads stay checked. Times are the deciding
/// silos' clocks (<see cref="TimeProvider"/>), so the cool-down is as good as the nodes' clock sync;
/// a claim stamped more than a cool-down in the future is treated as expired, so a fast clock
/// cannot pin the leader.
/// </remarks>
internal sealed partial class EtcdLeaderPolicy(EtcdClient client, string prefix, EtcdStorageOptions options, ILogger logger, TimeProvider timeProvider)
{
    // One decision at a time per silo: concurrent migrations to one node then find it leading already.
    private readonly SemaphoreSlim _deciding = new(1, 1);
    private IReadOnlyList<EtcdMember>? _members;
    // The last claim this silo made or read: until its cool-down ends, asks for another member are
    // refused without a round trip (8 grains moving together asked one by one, three calls each),
    // and so are asks for its member once the leader was seen there (Settled). A reference, so a
    // reader outside the decision's lock never sees a member with another claim's time.
    private volatile Claim? _lastClaim;
    private int _decisions;
    private int _roundTrips;

    /// <summary>How many asks went to etcd to decide (the others were answered from the last claim or found the move done).</summary>
    internal int Decisions => Volatile.Read(ref _decisions);

    /// <summary>How many calls to etcd the policy made (member lists, statuses, claims, moves).</summary>
    internal int RoundTrips => Volatile.Read(ref _roundTrips);

    /// <summary>The key holding the last claim.</summary>
    internal string ClaimKey { get; } = prefix + "/.actoredge/leader-move";

    /// <summary>The name of the member on <paramref name="node"/>.</summary>
    internal string MemberOf(string node) => options.MemberNames.TryGetValue(node, out var name) ? name : node;

    /// <summary>Moves the etcd leader to the member on <paramref name="node"/> if the policy allows.</summary>
    public async Task<LeaderMoveOutcome> MoveToNodeAsync(string node, CancellationToken cancellationToken)
    {
        // A claim for another member still cooling down refuses this move whoever leads now. A claim
        // for this one whose move was seen done answers too: no silo moves the leader within a
        // cool-down, so it is still there (unless an election moved it since, which no silo would
        // undo before the cool-down ends either). The migrations that come back to the leader's
        // node then ask etcd nothing, on the hand-over's path or before it.
        var name = MemberOf(node);
        if (_lastClaim is { } last && CoolingDown(last.At, timeProvider.GetUtcNow()))
        {
            if (last.Member != name)
            {
                return LeaderMoveOutcome.CoolingDown;
            }
            if (last.Settled)
            {
                return LeaderMoveOutcome.AlreadyLeader;
            }
        }
        // Most asks find the move done (grains migrate in groups): answer those from the nearest
        // member without queueing behind the one decision in progress.
        if (await FindMemberAsync(name, cancellationToken).ConfigureAwait(false) is { } member && await LeadsAsync(member, cancellationToken).ConfigureAwait(false))
        {
            SettleClaimOf(name);
            return LeaderMoveOutcome.AlreadyLeader;
        }
        await _deciding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DecideAndMoveAsync(node, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _deciding.Release();
        }
    }

    private async Task<LeaderMoveOutcome> DecideAndMoveAsync(string node, CancellationToken cancellationToken)
    {
        var name = MemberOf(node);
        var member = await FindMemberAsync(name, cancellationToken).ConfigureAwait(false);
        if (member is null)
        {
            LogWarningNoMember(logger, node, name);
            return LeaderMoveOutcome.NoMember;
        }
        if (await LeadsAsync(member, cancellationToken).ConfigureAwait(false))
        {
            SettleClaimOf(name);
            return LeaderMoveOutcome.AlreadyLeader;
        }
        var cooldown = options.LeaderMoveCooldown;
        if (cooldown > TimeSpan.Zero)
        {
            var now = timeProvider.GetUtcNow();
            // A serializable read (the nearest member, no quorum round): a stale claim only makes the
            // transaction below fail its compare, which counts as a lost claim; the leader then stays.
            Interlocked.Increment(ref _decisions);
            Interlocked.Increment(ref _roundTrips);
            var claim = await client.GetValueAsync(ClaimKey, serializable: true, cancellationToken).ConfigureAwait(false);
            if (claim is not null && TryParseClaim(claim.ValueString, out var claimedMember, out var at))
            {
                _lastClaim = new Claim(claimedMember, at);
                if (CoolingDown(at, now))
                {
                    LogDebugCoolingDown(logger, name, claimedMember, now - at);
                    return LeaderMoveOutcome.CoolingDown;
                }
            }
            var guard = claim is null
                ? EtcdCompare.CreateRevision(ClaimKey, EtcdCompareResult.Equal, 0)
                : EtcdCompare.ModRevision(ClaimKey, EtcdCompareResult.Equal, claim.ModRevision);
            var value = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{name} {now.ToUnixTimeMilliseconds()}"));
            Interlocked.Increment(ref _roundTrips);
            var won = await client.TxnAsync(new EtcdTxn().If(guard).Then(EtcdOp.Put(ClaimKey, value)), cancellationToken).ConfigureAwait(false);
            if (!won.Succeeded)
            {
                LogDebugLostClaim(logger, name);
                return LeaderMoveOutcome.LostClaim;
            }
            _lastClaim = new Claim(name, now);
        }
        Interlocked.Increment(ref _roundTrips);
        await client.MoveLeaderAsync(member.Id, cancellationToken).ConfigureAwait(false);
        SettleClaimOf(name);
        LogInformationMoved(logger, name, node);
        return LeaderMoveOutcome.Moved;
    }

    /// <summary>
    /// Whether <paramref name="member"/> leads, as this node's member (<see cref="EtcdStorageOptions.LocalMember"/>)
    /// sees it, or, when that member does not answer, as any member does.
    /// </summary>
    private async Task<bool> LeadsAsync(EtcdMember member, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _roundTrips);
        try
        {
            return (await client.StatusAsync(options.LocalMember ?? client.Endpoints[0], cancellationToken).ConfigureAwait(false)).Leader == member.Id;
        }
        catch (EtcdException)
        {
            // This node's member is down or cut off: the rest of the cluster still decides.
        }
        Interlocked.Increment(ref _roundTrips);
        return (await client.StatusAsync(null, cancellationToken).ConfigureAwait(false)).Leader == member.Id;
    }

    /// <summary>Whether a claim made at <paramref name="at"/> still holds at <paramref name="now"/>; one stamped more than a cool-down ahead counts as expired.</summary>
    private bool CoolingDown(DateTimeOffset at, DateTimeOffset now)
    {
        var age = now - at;
        return age < options.LeaderMoveCooldown && age > -options.LeaderMoveCooldown;
    }

    /// <summary>The leader was seen at the last claim's member, or moved there by this silo: that claim is settled.</summary>
    private void SettleClaimOf(string member)
    {
        // Compare-and-swap: a decision may have replaced the claim meanwhile, and must not be undone.
        if (_lastClaim is { Member: var claimed, Settled: false } last && claimed == member)
        {
            Interlocked.CompareExchange(ref _lastClaim, last with { Settled = true }, last);
        }
    }

    /// <param name="Member">The member the leader was moved to.</param>
    /// <param name="At">When, by the claiming silo's clock.</param>
    /// <param name="Settled">Whether this silo has seen the leader there (or moved it there) since.</param>
    private sealed record Claim(string Member, DateTimeOffset At, bool Settled = false);

    internal static bool TryParseClaim(string value, out string member, out DateTimeOffset at)
    {
        var space = value.LastIndexOf(' ');
        if (space > 0 && long.TryParse(value.AsSpan(space + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            member = value[..space];
            at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            return true;
        }
        member = string.Empty;
        at = default;
        return false;
    }

    private async Task<EtcdMember?> FindMemberAsync(string name, CancellationToken cancellationToken)
    {
        // Membership rarely changes: the cached list is refreshed only when a name is missing from it.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var members = _members;
            if (members is null || attempt == 1)
            {
                Interlocked.Increment(ref _roundTrips);
                members = await client.MemberListAsync(cancellationToken).ConfigureAwait(false);
                _members = members;
            }
            foreach (var member in members)
            {
                if (string.Equals(member.Name, name, StringComparison.Ordinal))
                {
                    return member;
                }
            }
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved the etcd leader to member {Member} (node {Node})")]
    private static partial void LogInformationMoved(ILogger logger, string member, string node);

    [LoggerMessage(Level = LogLevel.Debug, Message = "etcd leader stays: a move to {Claimed} was claimed {Age} ago (wanted {Member})")]
    private static partial void LogDebugCoolingDown(ILogger logger, string member, string claimed, TimeSpan age);

    [LoggerMessage(Level = LogLevel.Debug, Message = "etcd leader stays: another silo claimed a move first (wanted {Member})")]
    private static partial void LogDebugLostClaim(ILogger logger, string member);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No etcd member named {Member} serves node {Node}: the leader cannot follow the grain there (EtcdStorageOptions.MemberNames maps nodes to members)")]
    private static partial void LogWarningNoMember(ILogger logger, string node, string member);
}
