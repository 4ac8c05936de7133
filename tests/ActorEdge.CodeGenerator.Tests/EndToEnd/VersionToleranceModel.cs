using ActorEdge.Serialization;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

[GenerateSerializer]
public sealed class StateV1
{
    [Id(0)]
    public int A { get; set; }

    [Id(1)]
    public string B { get; set; } = string.Empty;
}

/// <summary>The next version of <see cref="StateV1"/>: B removed, C added with an initializer.</summary>
[GenerateSerializer]
public sealed class StateV2
{
    [Id(0)]
    public int A { get; set; }

    [Id(2)]
    public List<int> C { get; set; } = [7];
}

[GenerateSerializer]
public sealed record RecordV1([property: Id(0)] int A, [property: Id(1)] string B);

/// <summary>The next version of <see cref="RecordV1"/>, built through its primary constructor.</summary>
[GenerateSerializer]
public sealed record RecordV2([property: Id(0)] int A, [property: Id(3)] string D = "fallback")
{
    [Id(2)]
    public List<int> C { get; set; } = [7];
}
