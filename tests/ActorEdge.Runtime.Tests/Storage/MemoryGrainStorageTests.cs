using ActorEdge.Runtime.Storage;
using ActorEdge.Testing;

namespace ActorEdge.Runtime.Tests.Storage;

/// <summary>Memory storage held to the storage contract every provider meets.</summary>
public sealed class MemoryGrainStorageTests : GrainStorageTestsBase
{
    protected override IGrainStorage Storage { get; } = new MemoryGrainStorage("service");
}
