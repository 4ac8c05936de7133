namespace ActorEdge.Runtime.SystemTargets;

/// <summary>The silo services reachable with system requests, and their methods.</summary>
internal static class SystemTargetIds
{
    /// <summary>The membership table held by the development primary silo.</summary>
    public const uint Membership = 1;
    public const uint MembershipReadAll = 1, MembershipUpsert = 2, MembershipMarkDead = 3;

    /// <summary>The grain directory held by the development primary silo.</summary>
    public const uint Directory = 2;
    public const uint DirectoryRegister = 1, DirectoryUnregister = 2, DirectoryLookup = 3, DirectoryUnregisterSilos = 4;

    /// <summary>What a gateway tells its clients: grain types by interface, and the gateways.</summary>
    public const uint Gateway = 3;
    public const uint GatewayGetManifest = 1, GatewayPing = 2;

    /// <summary>The grain storage held by the development primary silo.</summary>
    public const uint Storage = 4;
    public const uint StorageRead = 1, StorageWrite = 2, StorageClear = 3;

    /// <summary>
    /// Live migration: a hand-over from a source silo, a request to migrate an activation hosted
    /// here, and the fetch of a state record held here by a node-local provider (offer, then done).
    /// </summary>
    public const uint Migration = 5;
    public const uint MigrationHandOver = 1, MigrationMigrate = 2, MigrationFetchState = 3, MigrationFetchDone = 4;
}
