using ActorEdge.Runtime;
using Microsoft.Extensions.Hosting;

namespace ActorEdge.TestingHost;

/// <summary>One silo of a <see cref="TestCluster"/>.</summary>
public sealed class SiloHandle
{
    internal SiloHandle(int index, IHost host, SiloRuntime runtime)
    {
        Index = index;
        Host = host;
        Runtime = runtime;
    }

    /// <summary>The silo's index in start order.</summary>
    public int Index { get; }

    /// <summary>The silo's address.</summary>
    public SiloAddress Address => Runtime.Local.Address;

    /// <summary>The edge node the silo represents.</summary>
    public string NodeName => Runtime.Local.NodeName;

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => Host.Services;

    /// <summary>A grain factory whose calls start from inside this silo.</summary>
    public IGrainFactory GrainFactory => Runtime.CallRuntime;

    /// <summary>Whether the silo is running (not stopped or killed).</summary>
    public bool IsActive { get; internal set; } = true;

    /// <summary>The number of activations on this silo.</summary>
    public int ActivationCount => Runtime.Catalog.Count;

    /// <summary>Whether this silo hosts an activation of <paramref name="grainId"/>.</summary>
    public bool HostsActivation(GrainId grainId) => Runtime.Catalog.TryGetActivation(grainId, out _);

    /// <summary>How many requests wait in this silo's activation of <paramref name="grainId"/> (0 without one); a snapshot, for polling.</summary>
    public int WaitingRequests(GrainId grainId) => Runtime.Catalog.TryGetActivation(grainId, out var activation) ? activation!.WaitingRequests : 0;

    /// <summary>Whether this silo's activation of <paramref name="grainId"/> was asked to migrate and has not ended it; a snapshot, for polling.</summary>
    public bool MigrationPending(GrainId grainId) => Runtime.Catalog.TryGetActivation(grainId, out var activation) && activation!.MigrationPending;

    /// <summary>The silos this silo considers active: its membership view as last refreshed (nothing is read here).</summary>
    public IReadOnlyList<SiloAddress> ActiveMembers => [.. Runtime.Membership.Snapshot.Active.Select(e => e.Address)];

    /// <summary>Whether this silo's membership view holds <paramref name="silo"/> dead.</summary>
    public bool ConsidersDead(SiloAddress silo) => Runtime.Membership.IsDead(silo);

    /// <summary>The silo this silo's directory cache names for <paramref name="grainId"/>, or null when nothing is cached.</summary>
    public SiloAddress? CachedLocation(GrainId grainId) => Runtime.Locator.PeekCached(grainId)?.Silo;

    internal IHost Host { get; }

    internal SiloRuntime Runtime { get; }

    /// <inheritdoc />
    public override string ToString() => $"silo {Index} ({Address}, {NodeName})";
}
