using ActorEdge.Etcd.Grpc;
using ActorEdge.Etcd.Protocol;

namespace ActorEdge.Etcd;

public sealed partial class EtcdClient
{
    internal const string StatusPath = "/etcdserverpb.Maintenance/Status";
    internal const string DefragmentPath = "/etcdserverpb.Maintenance/Defragment";
    internal const string MoveLeaderPath = "/etcdserverpb.Maintenance/MoveLeader";
    internal const string AlarmPath = "/etcdserverpb.Maintenance/Alarm";
    internal const string MemberListPath = "/etcdserverpb.Cluster/MemberList";
    internal const string MemberAddPath = "/etcdserverpb.Cluster/MemberAdd";
    internal const string MemberRemovePath = "/etcdserverpb.Cluster/MemberRemove";
    internal const string AuthenticatePath = "/etcdserverpb.Auth/Authenticate";

    /// <summary>The status of the member at <paramref name="endpoint"/> (one of <see cref="Endpoints"/>), or of any member when null.</summary>
    public async Task<EtcdStatus> StatusAsync(Uri? endpoint = null, CancellationToken cancellationToken = default)
    {
        var channel = endpoint is null ? null : FindChannel(endpoint) ?? throw new ArgumentException($"{endpoint} is not one of the client's endpoints.", nameof(endpoint));
        var used = channel;
        var response = await CallAsync(StatusPath, new StatusRequest(), StatusResponse.Parser, CallKind.Read, cancellationToken, channel).ConfigureAwait(false);
        return new EtcdStatus(
            used?.Address ?? Preferred.Address, response.Header.MemberId, response.Leader, response.RaftTerm, response.RaftIndex, response.Header.Revision,
            response.DbSize, response.DbSizeInUse, response.Version, [.. response.Errors], response.IsLearner);
    }

    /// <summary>The members of the cluster.</summary>
    public async Task<IReadOnlyList<EtcdMember>> MemberListAsync(CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(MemberListPath, new MemberListRequest(), MemberListResponse.Parser, CallKind.Read, cancellationToken).ConfigureAwait(false);
        return response.Members.Select(EtcdMember.From).ToArray();
    }

    /// <summary>Adds a member (it must then be started with the cluster's initial state "existing").</summary>
    public async Task<EtcdMember> MemberAddAsync(IEnumerable<Uri> peerUrls, bool isLearner = false, CancellationToken cancellationToken = default)
    {
        var request = new MemberAddRequest { IsLearner = isLearner };
        request.PeerURLs.AddRange(peerUrls.Select(u => u.ToString().TrimEnd('/')));
        var response = await CallAsync(MemberAddPath, request, MemberAddResponse.Parser, CallKind.Write, cancellationToken).ConfigureAwait(false);
        return EtcdMember.From(response.Member);
    }

    /// <summary>Removes a member; returns the members left.</summary>
    public async Task<IReadOnlyList<EtcdMember>> MemberRemoveAsync(ulong memberId, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(MemberRemovePath, new MemberRemoveRequest { ID = memberId }, MemberRemoveResponse.Parser, CallKind.Write, cancellationToken).ConfigureAwait(false);
        return response.Members.Select(EtcdMember.From).ToArray();
    }

    /// <summary>
    /// Defragments the backend of the member at <paramref name="endpoint"/>, returning freed space
    /// to the file system. Blocks that member's reads and writes while it runs.
    /// </summary>
    public async Task DefragmentAsync(Uri endpoint, CancellationToken cancellationToken = default)
    {
        var channel = FindChannel(endpoint) ?? throw new ArgumentException($"{endpoint} is not one of the client's endpoints.", nameof(endpoint));
        await CallAsync(DefragmentPath, new DefragmentRequest(), DefragmentResponse.Parser, CallKind.IdempotentWrite, cancellationToken, channel).ConfigureAwait(false);
    }

    /// <summary>
    /// Transfers leadership to member <paramref name="targetMemberId"/> (the Proactive strategy moves
    /// it to the grain's node); returns once the old leader follows it.
    /// </summary>
    /// <remarks>
    /// etcd answers MoveLeader only on its heartbeat tick (it re-checks its view of the leader every
    /// <c>--heartbeat-interval</c>, 100 ms by default), typically 100–200 ms after the new leader was
    /// elected in a few round trips. The same condition (the old leader names the transferee as leader)
    /// is polled here instead (after 2, 4, 8 ms, then every 16 ms), and the call returns as soon as it
    /// holds; a failure of the MoveLeader call itself still surfaces.
    /// </remarks>
    public async Task MoveLeaderAsync(ulong targetMemberId, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await MoveLeaderOnceAsync(targetMemberId, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (EtcdException e) when (attempt < 2 && e.Message.Contains("not leader", StringComparison.Ordinal))
            {
                // The member named leader had just handed leadership on (a move completing): ask again.
                await Task.Delay(Backoff(attempt), TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task MoveLeaderOnceAsync(ulong targetMemberId, CancellationToken cancellationToken)
    {
        // Only the leader accepts MoveLeader: find it from any member's status.
        var statusTask = StatusAsync(null, cancellationToken);
        var membersTask = MemberListAsync(cancellationToken);
        // Both awaited together: a failure of one does not leave the other's unobserved.
        await Task.WhenAll(statusTask, membersTask).ConfigureAwait(false);
        var status = statusTask.Result;
        GrpcChannel? leader = null;
        foreach (var member in membersTask.Result)
        {
            if (member.Id == status.Leader)
            {
                leader = FindChannel(member.ClientUrls);
            }
        }
        if (leader is null)
        {
            throw new EtcdUnavailableException($"The etcd leader ({status.Leader:x}) is not among the client's endpoints; cannot move leadership.", mayHaveBeenApplied: false);
        }
        if (status.Leader == targetMemberId)
        {
            return;
        }
        var move = CallAsync(MoveLeaderPath, new MoveLeaderRequest { TargetID = targetMemberId }, MoveLeaderResponse.Parser, CallKind.IdempotentWrite, cancellationToken, leader);
        _leader = null;
        try
        {
            // An election takes a few round trips: look early, then back off (2, 4, 8, then every 16 ms).
            var pause = TimeSpan.FromMilliseconds(2);
            while (!move.IsCompleted)
            {
                await Task.WhenAny(move, Task.Delay(pause, TimeProvider, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (move.IsCompleted)
                {
                    break;
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxLeaderPollPause.Ticks));
                EtcdStatus view;
                try
                {
                    view = await StatusAsync(leader.Address, cancellationToken).ConfigureAwait(false);
                }
                catch (EtcdException)
                {
                    // The old leader may be busy stepping down: the MoveLeader call decides.
                    continue;
                }
                if (view.Leader == targetMemberId)
                {
                    // Done; the MoveLeader call still completes on etcd's tick, and nobody waits for it.
                    Observe(move);
                    return;
                }
            }
        }
        catch
        {
            Observe(move);
            throw;
        }
        await move.ConfigureAwait(false);
    }

    private static readonly TimeSpan MaxLeaderPollPause = TimeSpan.FromMilliseconds(16);

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>The alarms raised in the cluster (NOSPACE when the database reached its quota).</summary>
    public async Task<IReadOnlyList<EtcdAlarm>> AlarmsAsync(CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(AlarmPath, new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, AlarmResponse.Parser, CallKind.Read, cancellationToken).ConfigureAwait(false);
        return response.Alarms.Select(a => new EtcdAlarm(a.MemberID, a.Alarm.ToString().ToUpperInvariant())).ToArray();
    }

    /// <summary>Disarms every raised alarm (after compacting and defragmenting, to resume writes after NOSPACE).</summary>
    public async Task DisarmAlarmsAsync(CancellationToken cancellationToken = default)
    {
        foreach (var alarm in (await CallAsync(AlarmPath, new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, AlarmResponse.Parser, CallKind.Read, cancellationToken).ConfigureAwait(false)).Alarms)
        {
            await CallAsync(AlarmPath, new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Deactivate, MemberID = alarm.MemberID, Alarm = alarm.Alarm }, AlarmResponse.Parser, CallKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
        }
    }
}
