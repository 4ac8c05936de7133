namespace ActorEdge;

/// <summary>
/// Values that flow with grain calls: set on the caller, visible in the callee and in the calls
/// the callee makes in turn. Values are strings, integers, floating point numbers, booleans,
/// <see cref="Guid"/>s or byte arrays.
/// </summary>
public static class RequestContext
{
    /// <summary>Key of the placement hint: a silo address (<see cref="SiloAddress.ToString"/>) where a new activation should be placed.</summary>
    public const string PlacementHintKey = "actoredge.placement-hint";

    private static readonly AsyncLocal<Dictionary<string, object>?> Current = new();

    /// <summary>The keys currently set.</summary>
    public static IEnumerable<string> Keys => Current.Value?.Keys ?? Enumerable.Empty<string>();

    /// <summary>Sets a value for the current call flow.</summary>
    public static void Set(string key, object value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (value is not (string or int or long or double or bool or Guid or byte[]))
        {
            throw new ArgumentException($"A request context value must be a string, int, long, double, bool, Guid or byte[]; '{key}' is a {value.GetType().Name}.", nameof(value));
        }
        // Copy on write: an async flow that forked earlier keeps its own view.
        var values = Current.Value is { } existing ? new Dictionary<string, object>(existing) : new Dictionary<string, object>(StringComparer.Ordinal);
        values[key] = value;
        Current.Value = values;
    }

    /// <summary>Gets a value, or null.</summary>
    public static object? Get(string key) => Current.Value is { } values && values.TryGetValue(key, out var value) ? value : null;

    /// <summary>Removes a value. Returns whether it was set.</summary>
    public static bool Remove(string key)
    {
        if (Current.Value is not { } existing || !existing.ContainsKey(key))
        {
            return false;
        }
        var values = new Dictionary<string, object>(existing);
        values.Remove(key);
        Current.Value = values.Count == 0 ? null : values;
        return true;
    }

    /// <summary>Removes every value.</summary>
    public static void Clear() => Current.Value = null;

    /// <summary>The values to send with an outgoing call (not to be mutated), or null when empty.</summary>
    internal static Dictionary<string, object>? Export() => Current.Value;

    /// <summary>Installs the values that arrived with an incoming call.</summary>
    internal static void Import(Dictionary<string, object>? values) => Current.Value = values is { Count: > 0 } ? values : null;
}
