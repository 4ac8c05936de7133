using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace ActorEdge.Invocation;

/// <summary>The generated code for one grain interface.</summary>
/// <param name="InterfaceType">The interface.</param>
/// <param name="InterfaceId">Its id: the FNV-1a hash of its full name, the same in every process.</param>
/// <param name="ProxyFactory">Creates a proxy for a grain id.</param>
/// <param name="Invoker">Dispatches the interface's own methods (not those of base interfaces).</param>
/// <param name="MethodNames">The names of the interface's own methods by method id, for logs and metrics.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record GrainInterfaceDescriptor(
    Type InterfaceType,
    uint InterfaceId,
    Func<IGrainCallRuntime, GrainId, GrainReference> ProxyFactory,
    IGrainMethodInvoker Invoker,
    IReadOnlyDictionary<uint, string>? MethodNames = null);

/// <summary>The generated code for one grain class.</summary>
/// <param name="GrainClass">The class.</param>
/// <param name="GrainType">Its grain type name (first part of its <see cref="GrainId"/>).</param>
/// <param name="Interfaces">Every grain interface it implements, base interfaces included.</param>
/// <param name="Factory">Constructs an instance for an activation, resolving constructor parameters without reflection.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record GrainClassDescriptor(
    Type GrainClass,
    string GrainType,
    Type[] Interfaces,
    Func<IGrainContext, object> Factory);

/// <summary>
/// Where generated module initializers register proxies, invokers and grain classes. Lookups
/// of an interface not yet registered run the module initializer of the interface's assembly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GrainCodeRegistry
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceDescriptor> InterfacesByType = new();
    private static readonly ConcurrentDictionary<uint, GrainInterfaceDescriptor> InterfacesById = new();
    private static readonly ConcurrentDictionary<Type, GrainClassDescriptor> Classes = new();

    /// <summary>Registers the generated code of a grain interface.</summary>
    public static void AddInterface(GrainInterfaceDescriptor descriptor)
    {
        if (InterfacesById.TryGetValue(descriptor.InterfaceId, out var existing) && existing.InterfaceType != descriptor.InterfaceType)
        {
            throw new InvalidOperationException(
                $"Grain interfaces {existing.InterfaceType} and {descriptor.InterfaceType} have the same id {descriptor.InterfaceId:x8}; rename one of them.");
        }
        InterfacesByType[descriptor.InterfaceType] = descriptor;
        InterfacesById[descriptor.InterfaceId] = descriptor;
    }

    /// <summary>Registers the generated code of a grain class.</summary>
    public static void AddGrainClass(GrainClassDescriptor descriptor) => Classes[descriptor.GrainClass] = descriptor;

    /// <summary>Every grain class registered so far.</summary>
    public static ICollection<GrainClassDescriptor> GrainClasses => Classes.Values;

    /// <summary>Finds the generated code of a grain interface.</summary>
    public static bool TryGetInterface(Type interfaceType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GrainInterfaceDescriptor? descriptor)
    {
        if (InterfacesByType.TryGetValue(interfaceType, out descriptor))
        {
            return true;
        }
        RuntimeHelpers.RunModuleConstructor(interfaceType.Module.ModuleHandle);
        return InterfacesByType.TryGetValue(interfaceType, out descriptor);
    }

    /// <summary>Finds the generated code of a grain interface by id.</summary>
    public static bool TryGetInterface(uint interfaceId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GrainInterfaceDescriptor? descriptor) =>
        InterfacesById.TryGetValue(interfaceId, out descriptor);

    /// <summary>Runs the module initializers of <paramref name="assembly"/>, registering its generated code.</summary>
    public static void RegisterAssembly(System.Reflection.Assembly assembly) =>
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
}

/// <summary>Helpers that generated grain factories call.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GrainActivation
{
    /// <summary>Constructs a grain with <paramref name="factory"/> while <paramref name="context"/> is the ambient activating context.</summary>
    public static object Construct(IGrainContext context, Func<IGrainContext, object> factory)
    {
        var previous = RuntimeContext.ActivatingContext;
        RuntimeContext.ActivatingContext = context;
        try
        {
            return factory(context);
        }
        finally
        {
            RuntimeContext.ActivatingContext = previous;
        }
    }

    /// <summary>Resolves a constructor dependency from the activation's services, with a clear error if it is missing.</summary>
    public static T GetService<T>(IGrainContext context) where T : notnull
    {
        if (typeof(T) == typeof(IGrainContext))
        {
            return (T)context;
        }
        if (typeof(T) == typeof(IGrainFactory))
        {
            return (T)context.GrainFactory;
        }
        return context.ActivationServices.GetService(typeof(T)) is T service
            ? service
            : throw new InvalidOperationException($"Cannot activate grain {context.GrainId}: no service of type {typeof(T)} is registered.");
    }
}
