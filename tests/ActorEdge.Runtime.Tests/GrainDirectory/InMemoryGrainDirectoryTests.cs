using ActorEdge.Runtime.GrainDirectory;
using ActorEdge.Testing;

namespace ActorEdge.Runtime.Tests.GrainDirectory;

/// <summary>The in-process directory held to the directory contract every provider meets.</summary>
public sealed class InMemoryGrainDirectoryTests : GrainDirectoryTestsBase
{
    protected override IGrainDirectory Directory { get; } = new InMemoryGrainDirectory();
}
