namespace ActorEdge;

/// <summary>
/// Names the grain type of a grain class, the first part of its <see cref="GrainId"/>.
/// Without it the type is the class name, lower case, without a trailing "Grain".
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string grainType) : Attribute
{
    /// <summary>The grain type.</summary>
    public string GrainType { get; } = grainType;
}

/// <summary>
/// Lets an activation of this grain class interleave requests: while one request awaits,
/// another may run. Without it requests run one at a time (turn-based).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>A grain method that may interleave with any other request, even on a non-reentrant grain.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>
/// A fire-and-forget grain method: the caller's task completes as soon as the request is sent,
/// no response is returned, and exceptions stay at the callee. The method must return
/// <see cref="Task"/> or <see cref="ValueTask"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute;

/// <summary>Overrides the cluster's response timeout for one grain method.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ResponseTimeoutAttribute(string timeout) : Attribute
{
    /// <summary>The timeout, in <see cref="TimeSpan"/> format (for example "00:00:05").</summary>
    public TimeSpan Timeout { get; } = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);
}
