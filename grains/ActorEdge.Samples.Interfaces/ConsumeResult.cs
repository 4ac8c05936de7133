using ActorEdge.Serialization;

namespace ActorEdge.Samples;

/// <summary>What one <see cref="IConsumerGrain.Consume"/> call read.</summary>
[GenerateSerializer]
public sealed record ConsumeResult([property: Id(0)] int KeysRead, [property: Id(1)] long BytesRead, [property: Id(2)] int TotalKeysRead);
