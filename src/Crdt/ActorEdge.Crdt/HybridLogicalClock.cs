namespace ActorEdge.Crdt;

/// <summary>
/// A hybrid logical clock reading: physical milliseconds since the Unix epoch, and a logical
/// counter that orders readings within one millisecond (or while the physical clock lags a
/// timestamp already seen).
/// </summary>
/// <param name="WallMilliseconds">The physical part.</param>
/// <param name="Logical">The logical part.</param>
public readonly record struct HlcTimestamp(long WallMilliseconds, uint Logical) : IComparable<HlcTimestamp>
{
    /// <summary>The zero timestamp (before every reading).</summary>
    public static readonly HlcTimestamp Zero;

    /// <inheritdoc />
    public int CompareTo(HlcTimestamp other)
    {
        var byWall = WallMilliseconds.CompareTo(other.WallMilliseconds);
        return byWall != 0 ? byWall : Logical.CompareTo(other.Logical);
    }

    /// <summary>Whether <paramref name="a"/> is after <paramref name="b"/>.</summary>
    public static bool operator >(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) > 0;

    /// <summary>Whether <paramref name="a"/> is before <paramref name="b"/>.</summary>
    public static bool operator <(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) < 0;

    /// <summary>Whether <paramref name="a"/> is at or after <paramref name="b"/>.</summary>
    public static bool operator >=(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) >= 0;

    /// <summary>Whether <paramref name="a"/> is at or before <paramref name="b"/>.</summary>
    public static bool operator <=(HlcTimestamp a, HlcTimestamp b) => a.CompareTo(b) <= 0;

    /// <inheritdoc />
    public override string ToString() => $"{WallMilliseconds}.{Logical}";
}

/// <summary>
/// A hybrid logical clock (Kulkarni et al.): readings never go backwards, exceed every timestamp
/// observed from other replicas, and stay close to physical time. Thread safe.
/// </summary>
public sealed class HybridLogicalClock(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private HlcTimestamp _last;

    /// <summary>The latest reading or observation.</summary>
    public HlcTimestamp Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    /// <summary>A new reading, after every previous reading and observation.</summary>
    public HlcTimestamp Now()
    {
        var wall = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            _last = wall > _last.WallMilliseconds ? new HlcTimestamp(wall, 0) : new HlcTimestamp(_last.WallMilliseconds, checked(_last.Logical + 1));
            return _last;
        }
    }

    /// <summary>Takes a timestamp received from another replica into account, so later readings exceed it.</summary>
    public void Observe(HlcTimestamp remote)
    {
        lock (_gate)
        {
            if (remote > _last)
            {
                _last = remote;
            }
        }
    }
}
