namespace ActorEdge.Hosting;

/// <summary>Well-known storage provider names.</summary>
public static class StorageNames
{
    /// <summary>The provider used by <c>[PersistentState]</c> without a storage name.</summary>
    public const string Default = "Default";

    /// <summary>The provider of grains whose <see cref="MigrationStrategy"/> is <see cref="MigrationStrategy.Centralized"/>.</summary>
    public const string Centralized = nameof(MigrationStrategy.Centralized);

    /// <summary>The provider of grains whose <see cref="MigrationStrategy"/> is <see cref="MigrationStrategy.Reactive"/>.</summary>
    public const string Reactive = nameof(MigrationStrategy.Reactive);

    /// <summary>The provider of grains whose <see cref="MigrationStrategy"/> is <see cref="MigrationStrategy.Proactive"/>.</summary>
    public const string Proactive = nameof(MigrationStrategy.Proactive);
}
