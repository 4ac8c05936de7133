using ActorEdge.Serialization;

namespace ActorEdge.Samples;

/// <summary>Where an activation runs.</summary>
[GenerateSerializer]
public sealed record GrainLocation([property: Id(0)] string Silo, [property: Id(1)] string NodeName);
