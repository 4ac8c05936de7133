using System.Diagnostics.CodeAnalysis;

namespace ActorEdge;

/// <summary>
/// A grain, or a component of one (persistent state is one), whose in-memory state travels with
/// the grain when it migrates to another silo, so the new activation does not rebuild it.
/// </summary>
/// <remarks>
/// On the source silo the runtime calls <see cref="OnDehydrate"/> once the activation has
/// finished its running turns and <see cref="Grain.OnDeactivateAsync"/> has returned; on the
/// target silo it calls <see cref="OnRehydrate"/> after constructing the grain and before
/// <see cref="Grain.OnActivateAsync"/>. Both run on the activation's scheduler. A grain class
/// implements this interface itself to carry its own fields.
/// </remarks>
public interface IGrainMigrationParticipant
{
    /// <summary>Writes what the new activation needs into <paramref name="dehydrationContext"/>.</summary>
    void OnDehydrate(IDehydrationContext dehydrationContext);

    /// <summary>Restores what <see cref="OnDehydrate"/> wrote; keys it did not write are absent.</summary>
    void OnRehydrate(IRehydrationContext rehydrationContext);
}

/// <summary>Collects the keyed, serialized values a migrating activation hands to its successor.</summary>
public interface IDehydrationContext
{
    /// <summary>The keys added so far.</summary>
    IEnumerable<string> Keys { get; }

    /// <summary>Adds raw bytes under <paramref name="key"/>, replacing an earlier value.</summary>
    void AddBytes(string key, ReadOnlySpan<byte> value);

    /// <summary>Adds <paramref name="value"/>, serialized with its ActorEdge codec, under <paramref name="key"/>.</summary>
    void AddValue<T>(string key, T value);
}

/// <summary>The values a migrated activation's predecessor added to its <see cref="IDehydrationContext"/>.</summary>
public interface IRehydrationContext
{
    /// <summary>The keys present.</summary>
    IEnumerable<string> Keys { get; }

    /// <summary>Gets the raw bytes added under <paramref name="key"/>.</summary>
    bool TryGetBytes(string key, out ReadOnlyMemory<byte> value);

    /// <summary>Gets and deserializes the value added under <paramref name="key"/> with <see cref="IDehydrationContext.AddValue{T}"/>.</summary>
    bool TryGetValue<T>(string key, [MaybeNullWhen(false)] out T value);
}
