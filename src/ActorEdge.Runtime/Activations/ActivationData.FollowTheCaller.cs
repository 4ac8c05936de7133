using ActorEdge.Placement;

namespace ActorEdge.Runtime.Activations;

// Follow-the-caller: an edge-placed activation remembers where its recent calls entered the
// cluster and migrates to that node when one other node dominates the window, the move saves
// enough latency, and the cool-down since activation (or the last move) has passed. The
// majority threshold above one half, the cool-down and the window starting empty after each
// move (the migrated activation is a new one) keep it from ping-ponging between two callers; the
// latency saved over PayoffHorizon must outweigh the measured cost of a move of this grain type.
internal sealed partial class ActivationData
{
    private string?[]? _recentOrigins;
    private int _recentCount;
    private int _recentNext;
    private long _followSinceTimestamp;

    private void RecordCallOrigin(string? origin)
    {
        if (origin is null || ClassInfo.Placement is not EdgePlacement)
        {
            return;
        }
        var options = _runtime.EdgeTopology.Options.FollowTheCaller;
        if (!options.Enabled || options.WindowSize <= 0)
        {
            return;
        }
        if (_recentOrigins is null || _recentOrigins.Length != options.WindowSize)
        {
            _recentOrigins = new string?[options.WindowSize];
            _recentCount = _recentNext = 0;
            _followSinceTimestamp = _runtime.TimeProvider.GetTimestamp();
        }
        _recentOrigins[_recentNext] = origin;
        _recentNext = (_recentNext + 1) % _recentOrigins.Length;
        if (_recentCount < _recentOrigins.Length)
        {
            _recentCount++;
            return;
        }
        if (_migration is not null || _runtime.TimeProvider.GetElapsedTime(_followSinceTimestamp) < options.CoolDown)
        {
            return;
        }

        // The most frequent origin of the full window.
        string? leader = null;
        var leaderCount = 0;
        foreach (var candidate in _recentOrigins)
        {
            if (candidate is null || candidate == leader)
            {
                continue;
            }
            var count = 0;
            foreach (var other in _recentOrigins)
            {
                if (string.Equals(other, candidate, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            if (count > leaderCount)
            {
                (leader, leaderCount) = (candidate, count);
            }
        }
        var here = _runtime.Local.NodeName;
        if (leader is null || leader == here || leaderCount < options.MajorityFraction * _recentOrigins.Length)
        {
            return;
        }
        var topology = _runtime.EdgeTopology;
        var gain = topology.Latency(here, leader) - 0;
        if (gain < options.MinLatencyGainMs)
        {
            return;
        }
        // The latency saved over the horizon must outweigh what the move's service gap adds (see PayoffHorizon).
        var cost = _runtime.MigrationCosts.EstimateMs(ClassInfo.GrainType, options.InitialMigrationCostMs);
        if (gain * 1000 * options.PayoffHorizon.TotalSeconds < cost * cost / 2)
        {
            return;
        }
        SiloAddress? target = null;
        foreach (var entry in _runtime.Membership.Snapshot.Active)
        {
            if (string.Equals(entry.NodeName, leader, StringComparison.Ordinal) && !entry.Address.Equals(_runtime.Local.Address))
            {
                target = entry.Address;
                break;
            }
        }
        if (target is null)
        {
            return;
        }
        // Restart the window and the cool-down whatever the outcome, so a failed move is not retried per call.
        _recentCount = 0;
        _followSinceTimestamp = _runtime.TimeProvider.GetTimestamp();
        ((IGrainContext)this).MigrateOnIdle(target);
    }
}
