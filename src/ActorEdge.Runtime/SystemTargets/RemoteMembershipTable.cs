using ActorEdge.Runtime.Membership;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.SystemTargets;

/// <summary>The membership table of the development primary silo, reached over the silo transport.</summary>
internal sealed class RemoteMembershipTable(SiloRuntime runtime, SiloAddress primary) : IMembershipTable
{
    public async Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var response = await runtime.Router.SystemCallAsync(primary, SystemTargetIds.Membership, SystemTargetIds.MembershipReadAll, null).WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = new List<SiloEntry>();
            var r = new Reader(response.PayloadSpan);
            while (r.TryReadFieldHeader(out var field, out var wireType))
            {
                if (field == 1)
                {
                    entries.Add(SystemCodecs.ReadEntry(ref r, wireType));
                }
                else
                {
                    r.SkipField(wireType);
                }
            }
            return entries;
        }
        finally
        {
            response.ReleasePayload();
        }
    }

    public async Task UpsertAsync(SiloEntry entry, CancellationToken cancellationToken = default)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        SystemCodecs.WriteEntry(ref w, 1, entry);
        w.Commit();
        try
        {
            var response = await runtime.Router.SystemCallAsync(primary, SystemTargetIds.Membership, SystemTargetIds.MembershipUpsert, payload).WaitAsync(cancellationToken).ConfigureAwait(false);
            response.ReleasePayload();
        }
        catch (RemoteGrainException e) when (e.OriginalTypeName.EndsWith(nameof(SiloDeclaredDeadException), StringComparison.Ordinal))
        {
            throw new SiloDeclaredDeadException(entry.Address);
        }
    }

    public async Task MarkDeadAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        var payload = new PooledBuffer();
        var w = new Writer(payload);
        MessageSerializer.WriteSilo(ref w, 1, silo);
        w.Commit();
        var response = await runtime.Router.SystemCallAsync(primary, SystemTargetIds.Membership, SystemTargetIds.MembershipMarkDead, payload).WaitAsync(cancellationToken).ConfigureAwait(false);
        response.ReleasePayload();
    }
}
