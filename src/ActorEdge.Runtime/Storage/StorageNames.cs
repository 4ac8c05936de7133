namespace ActorEdge.Hosting;

/// <summary>Well-known storage provider names.</summary>
public static class StorageNames
{
    /// <summary>The provider used by <c>[PersistentState]</c> without a storage name.</summary>
    public const string Default = "Default";
}
