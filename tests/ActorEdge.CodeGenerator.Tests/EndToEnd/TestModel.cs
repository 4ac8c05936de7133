using ActorEdge.Serialization;

namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

public enum Color
{
    Red,
    Green = 5,
    Blue = -3,
}

[GenerateSerializer]
public sealed record Person([property: Id(0)] string Name, [property: Id(1)] int Age)
{
    [Id(2)]
    public Color Favorite { get; init; }
}

[GenerateSerializer]
public sealed class Team
{
    [Id(0)]
    public string Name { get; set; } = string.Empty;

    [Id(1)]
    public List<Person> Members { get; set; } = [];

    [Id(2)]
    public Dictionary<string, int>? Scores { get; set; }

    [NonSerializedMember]
    [Id(3)]
    public string Ignored { get; set; } = "default";
}

/// <summary>Recursive through a deferred codec of itself.</summary>
[GenerateSerializer]
public sealed class Node
{
    [Id(0)]
    public int Value { get; set; }

    [Id(1)]
    public Node? Next { get; set; }
}

[GenerateSerializer]
public struct Point
{
    [Id(0)]
    public int X;

    [Id(1)]
    public int Y;
}

/// <summary>Immutable: built through its constructor.</summary>
[GenerateSerializer]
public sealed class Money(long amount, string currency)
{
    [Id(0)]
    public long Amount { get; } = amount;

    [Id(1)]
    public string Currency { get; } = currency;
}

[GenerateSerializer]
public class Animal
{
    [Id(0)]
    public string Name { get; set; } = string.Empty;
}

/// <summary>Inherits the members of its base class.</summary>
[GenerateSerializer]
public sealed class Dog : Animal
{
    [Id(1)]
    public bool GoodBoy { get; set; }
}

public static class Nested
{
    [GenerateSerializer]
    public sealed record class Inner([Id(0)] int[] Values, [Id(1)] Guid? Maybe);
}
