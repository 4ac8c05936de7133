using System.Collections.Frozen;
using System.Reflection;
using ActorEdge.Invocation;
using ActorEdge.Placement;

namespace ActorEdge.Runtime.Activations;

/// <summary>What the runtime knows about one grain class.</summary>
internal sealed class GrainClassInfo
{
    public required GrainClassDescriptor Descriptor { get; init; }

    public required string GrainType { get; init; }

    public required PlacementStrategy Placement { get; init; }

    public required bool IsReentrant { get; init; }

    /// <summary>The strategy from the class's <see cref="MigrationStrategyAttribute"/>; null: the cluster default.</summary>
    public required MigrationStrategy? Strategy { get; init; }

    public required FrozenDictionary<uint, IGrainMethodInvoker> Invokers { get; init; }
}

/// <summary>
/// The grain classes and interfaces this process knows, from the registrations of generated
/// code. Built once at start: assemblies that reference ActorEdge.Abstractions are loaded and
/// their module initializers run.
/// </summary>
internal sealed class GrainTypeManifest
{
    private readonly FrozenDictionary<string, GrainClassInfo> _classes;
    private readonly FrozenDictionary<Type, string> _grainTypeByInterface;
    private readonly FrozenDictionary<Type, string> _ambiguous;

    public GrainTypeManifest(PlacementStrategy defaultPlacement)
    {
        RegisterLoadedAssemblies();
        var classes = new Dictionary<string, GrainClassInfo>(StringComparer.Ordinal);
        var byInterface = new Dictionary<Type, string>();
        var ambiguous = new Dictionary<Type, string>();
        foreach (var descriptor in GrainCodeRegistry.GrainClasses)
        {
            if (classes.TryGetValue(descriptor.GrainType, out var clash))
            {
                throw new InvalidOperationException(
                    $"Grain classes {clash.Descriptor.GrainClass} and {descriptor.GrainClass} both have grain type '{descriptor.GrainType}'; give one a [GrainType] name.");
            }
            var invokers = new Dictionary<uint, IGrainMethodInvoker>();
            foreach (var grainInterface in descriptor.Interfaces)
            {
                if (GrainCodeRegistry.TryGetInterface(grainInterface, out var interfaceDescriptor))
                {
                    invokers[interfaceDescriptor.InterfaceId] = interfaceDescriptor.Invoker;
                }
                if (byInterface.TryGetValue(grainInterface, out var other) && other != descriptor.GrainType)
                {
                    ambiguous[grainInterface] = $"{other}, {descriptor.GrainType}";
                }
                byInterface[grainInterface] = descriptor.GrainType;
            }
            var classType = descriptor.GrainClass;
            classes[descriptor.GrainType] = new GrainClassInfo
            {
                Descriptor = descriptor,
                GrainType = descriptor.GrainType,
                Placement = classType.GetCustomAttribute<PlacementAttribute>(inherit: true)?.Strategy ?? defaultPlacement,
                IsReentrant = classType.IsDefined(typeof(ReentrantAttribute), inherit: true),
                Strategy = classType.GetCustomAttribute<MigrationStrategyAttribute>(inherit: true)?.Strategy,
                Invokers = invokers.ToFrozenDictionary(),
            };
        }
        _classes = classes.ToFrozenDictionary(StringComparer.Ordinal);
        _grainTypeByInterface = byInterface.ToFrozenDictionary();
        _ambiguous = ambiguous.ToFrozenDictionary();
    }

    public IEnumerable<GrainClassInfo> Classes => _classes.Values;

    public bool TryGetClass(string grainType, out GrainClassInfo? info) => _classes.TryGetValue(grainType, out info);

    /// <summary>Interface id → grain type, for clients (which do not load grain classes).</summary>
    public IEnumerable<KeyValuePair<Type, string>> InterfaceMap => _grainTypeByInterface;

    public string ResolveGrainType(Type interfaceType)
    {
        if (_ambiguous.TryGetValue(interfaceType, out var candidates))
        {
            throw new GrainTypeNotFoundException($"Grain interface {interfaceType} is implemented by several grain classes ({candidates}); use GetGrain with a GrainId naming the grain type.");
        }
        return _grainTypeByInterface.TryGetValue(interfaceType, out var grainType)
            ? grainType
            : throw new GrainTypeNotFoundException($"No grain class implementing {interfaceType} is known to this silo: is the grain assembly referenced by the silo host?");
    }

    /// <summary>
    /// Runs the module initializers of every assembly of the application that uses ActorEdge:
    /// those loaded, those they reference, and those beside the application (a compiler drops
    /// a project reference nobody calls, so a silo host would not otherwise see its grains).
    /// </summary>
    internal static void RegisterLoadedAssemblies()
    {
        var abstractions = typeof(IGrain).Assembly.GetName().Name!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>(AppDomain.CurrentDomain.GetAssemblies());
        foreach (var assembly in ApplicationAssembliesUsing(abstractions))
        {
            pending.Push(assembly);
        }
        if (Assembly.GetEntryAssembly() is { } entry)
        {
            pending.Push(entry);
        }
        while (pending.Count > 0)
        {
            var assembly = pending.Pop();
            if (assembly.IsDynamic || !seen.Add(assembly.FullName!))
            {
                continue;
            }
            var references = assembly.GetReferencedAssemblies();
            var usesActorEdge = false;
            foreach (var reference in references)
            {
                if (reference.Name == abstractions)
                {
                    usesActorEdge = true;
                }
            }
            if (!usesActorEdge)
            {
                continue;
            }
            GrainCodeRegistry.RegisterAssembly(assembly);
            foreach (var reference in references)
            {
                if (reference.Name is { } name && (name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft", StringComparison.Ordinal)))
                {
                    continue;
                }
                try
                {
                    pending.Push(Assembly.Load(reference));
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // A reference that cannot be loaded cannot hold grains we could run.
                }
            }
        }
    }

    private static IEnumerable<Assembly> ApplicationAssembliesUsing(string abstractions)
    {
        string[] files;
        try
        {
            files = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal) || !ReferencesAssembly(file, abstractions))
            {
                continue;
            }
            Assembly? assembly = null;
            try
            {
                assembly = Assembly.Load(AssemblyName.GetAssemblyName(file));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Not loadable in this application: it cannot hold grains we could run.
            }
            if (assembly is not null)
            {
                yield return assembly;
            }
        }
    }

    /// <summary>Reads the references from the file's metadata, without loading it.</summary>
    private static bool ReferencesAssembly(string file, string reference)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            if (!pe.HasMetadata)
            {
                return false;
            }
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            foreach (var handle in metadata.AssemblyReferences)
            {
                if (metadata.StringComparer.Equals(metadata.GetAssemblyReference(handle).Name, reference))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
        }
        return false;
    }
}
