using ActorEdge.Serialization;

namespace ActorEdge.Runtime.SystemTargets;

/// <summary><see cref="ISiloMessenger"/> over the silo's router and membership view.</summary>
internal sealed class SiloMessenger(SiloRuntime runtime) : ISiloMessenger
{
    private IReadOnlyList<SiloAddress> _active = [];
    private long _activeVersion = -1;

    public bool IsStarted => runtime.Local.IsStarted;

    public SiloAddress LocalSilo => runtime.Local.Address;

    public IReadOnlyList<SiloAddress> ActiveSilos
    {
        get
        {
            var snapshot = runtime.Membership.Snapshot;
            if (Volatile.Read(ref _activeVersion) != snapshot.Version)
            {
                var active = new SiloAddress[snapshot.Active.Length];
                for (var i = 0; i < active.Length; i++)
                {
                    active[i] = snapshot.Active[i].Address;
                }
                _active = active;
                Volatile.Write(ref _activeVersion, snapshot.Version);
            }
            return _active;
        }
    }

    public async Task<byte[]> SendAsync(SiloAddress target, uint systemTarget, uint method, ReadOnlyMemory<byte> payload, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        PooledBuffer? buffer = null;
        if (!payload.IsEmpty)
        {
            buffer = new PooledBuffer(payload.Length);
            payload.Span.CopyTo(buffer.GetSpan(payload.Length));
            buffer.Advance(payload.Length);
        }
        var response = await runtime.Router.SystemCallAsync(target, systemTarget, method, buffer, timeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return response.PayloadSpan.ToArray();
        }
        finally
        {
            response.ReleasePayload();
        }
    }
}
