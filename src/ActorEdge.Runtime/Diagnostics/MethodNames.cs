using System.Collections.Concurrent;
using ActorEdge.Invocation;

namespace ActorEdge.Runtime.Diagnostics;

/// <summary>Readable names of grain methods (<c>ICounterGrain.Add</c>) for metrics and errors, built once per method.</summary>
internal static class MethodNames
{
    private static readonly ConcurrentDictionary<(uint, uint), string> Names = new();

    public static string Describe(uint interfaceId, uint methodId) =>
        Names.TryGetValue((interfaceId, methodId), out var name) ? name : Names.GetOrAdd((interfaceId, methodId), Create);

    private static string Create((uint InterfaceId, uint MethodId) key)
    {
        if (GrainCodeRegistry.TryGetInterface(key.InterfaceId, out var descriptor))
        {
            return descriptor.MethodNames is { } names && names.TryGetValue(key.MethodId, out var method)
                ? $"{descriptor.InterfaceType.Name}.{method}"
                : $"{descriptor.InterfaceType.Name}.{key.MethodId:x8}";
        }
        return $"{key.InterfaceId:x8}.{key.MethodId:x8}";
    }
}
