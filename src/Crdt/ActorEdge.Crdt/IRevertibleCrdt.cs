namespace ActorEdge.Crdt;

/// <summary>
/// A CRDT that can take back the mutations made since <see cref="TrackChanges"/> at a cost
/// proportional to what they touched, not to the size of the state. Replication uses it to make a
/// refused local update (a mutator that throws, a delta too large for one message) change nothing,
/// without copying the whole state before every update; a type that does not implement it is
/// copied with <see cref="ICrdt{TSelf}.Clone"/> instead.
/// </summary>
/// <remarks>
/// Between <see cref="TrackChanges"/> and <see cref="AcceptChanges"/> or <see cref="RejectChanges"/>
/// every mutation made through the type's own members is recorded (an undo record holding only the
/// entries, keys or counts it changed); changes made to a nested value obtained by a read accessor
/// (rather than through the map's update) are not. Tracking does not nest: calling
/// <see cref="TrackChanges"/> again before the session ends throws <see cref="InvalidOperationException"/>.
/// </remarks>
public interface IRevertibleCrdt
{
    /// <summary>Starts recording the mutations made from now on.</summary>
    void TrackChanges();

    /// <summary>Keeps the mutations made since <see cref="TrackChanges"/> and stops recording.</summary>
    void AcceptChanges();

    /// <summary>Undoes the mutations made since <see cref="TrackChanges"/> (the state is as it was then) and stops recording.</summary>
    void RejectChanges();
}

/// <summary>The shared checks of the change-tracking session.</summary>
internal static class ChangeTracking
{
    public static void ThrowIfTracking(bool tracking)
    {
        if (tracking)
        {
            throw new InvalidOperationException("Changes are already being tracked: accept or reject them first.");
        }
    }

    public static void ThrowIfNotTracking(bool tracking)
    {
        if (!tracking)
        {
            throw new InvalidOperationException("Changes are not being tracked: call TrackChanges first.");
        }
    }
}
