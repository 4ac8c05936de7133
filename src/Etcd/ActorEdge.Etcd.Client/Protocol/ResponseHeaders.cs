namespace ActorEdge.Etcd.Protocol;

/// <summary>A response carrying etcd's header (revision, member, Raft term).</summary>
internal interface IHasHeader
{
    ResponseHeader Header { get; }
}

internal sealed partial class RangeResponse : IHasHeader;

internal sealed partial class PutResponse : IHasHeader;

internal sealed partial class DeleteRangeResponse : IHasHeader;

internal sealed partial class TxnResponse : IHasHeader;

internal sealed partial class CompactionResponse : IHasHeader;

internal sealed partial class LeaseGrantResponse : IHasHeader;

internal sealed partial class LeaseRevokeResponse : IHasHeader;

internal sealed partial class LeaseTimeToLiveResponse : IHasHeader;

internal sealed partial class MemberListResponse : IHasHeader;

internal sealed partial class MemberAddResponse : IHasHeader;

internal sealed partial class MemberRemoveResponse : IHasHeader;

internal sealed partial class StatusResponse : IHasHeader;

internal sealed partial class DefragmentResponse : IHasHeader;

internal sealed partial class MoveLeaderResponse : IHasHeader;

internal sealed partial class AlarmResponse : IHasHeader;

internal sealed partial class AuthenticateResponse : IHasHeader;
