using ActorEdge.Placement;
using ActorEdge.Serialization;

namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>Which activation answered, and on which silo.</summary>
[GenerateSerializer]
public sealed record ActivationInfo([property: Id(0)] Guid ActivationId, [property: Id(1)] string Silo);

/// <summary>A request context value as seen by a grain, and where that grain runs.</summary>
[GenerateSerializer]
public sealed record ContextReport([property: Id(0)] string Silo, [property: Id(1)] string? Value);

/// <summary>Lifecycle, identity, request context and timers of a grain; implemented under each placement.</summary>
public interface IProbeGrain : IGrainWithStringKey
{
    Task<ActivationInfo> Identify();

    Task DeactivateSoon();

    Task<ContextReport> ReadContext(string name);

    /// <summary>Reads the context here and in the <see cref="ILocalProbeGrain"/> named <paramref name="otherKey"/>.</summary>
    Task<ContextReport[]> ReadContextVia(string name, string otherKey);

    /// <summary>Registers a timer whose ticks count in the probe and track concurrency with <see cref="Work"/>.</summary>
    Task StartTimer(int periodMs);

    /// <summary>A request that yields a few times; tracked for concurrency with ticks.</summary>
    Task Work();

    /// <summary>The most requests and ticks seen running at once.</summary>
    Task<int> MaxConcurrency();
}

public interface IRandomProbeGrain : IProbeGrain;

public interface ILocalProbeGrain : IProbeGrain;

public interface IHashProbeGrain : IProbeGrain;

public abstract class ProbeGrainBase(ILocalSiloDetails silo) : Grain, IProbeGrain
{
    private readonly Guid _activationId = Guid.NewGuid();
    private int _inside;
    private int _maxInside;
    private bool _deactivated;

    protected Probe Probe => Probe.For(GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Probe.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivated = true;
        Probe.Deactivated(reason.ReasonCode);
        return Task.CompletedTask;
    }

    public Task<ActivationInfo> Identify() => Task.FromResult(new ActivationInfo(_activationId, silo.SiloAddress.ToString()));

    public Task DeactivateSoon()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<ContextReport> ReadContext(string name) => Task.FromResult(new ContextReport(silo.SiloAddress.ToString(), RequestContext.Get(name) as string));

    public async Task<ContextReport[]> ReadContextVia(string name, string otherKey)
    {
        var here = new ContextReport(silo.SiloAddress.ToString(), RequestContext.Get(name) as string);
        var there = await GrainFactory.GetGrain<ILocalProbeGrain>(otherKey).ReadContext(name);
        return [here, there];
    }

    public Task StartTimer(int periodMs)
    {
        RegisterGrainTimer(async _ =>
        {
            Enter();
            if (_deactivated)
            {
                Probe.Record("tick after deactivation");
            }
            await Task.Yield();
            Probe.Ticked();
            Exit();
        }, TimeSpan.FromMilliseconds(periodMs), TimeSpan.FromMilliseconds(periodMs));
        return Task.CompletedTask;
    }

    public async Task Work()
    {
        Enter();
        await Task.Yield();
        await Task.Delay(1);
        Exit();
    }

    public Task<int> MaxConcurrency() => Task.FromResult(_maxInside);

    private void Enter() => _maxInside = Math.Max(_maxInside, ++_inside);

    private void Exit() => _inside--;
}

public sealed class RandomProbeGrain(ILocalSiloDetails silo) : ProbeGrainBase(silo), IRandomProbeGrain;

[PreferLocalPlacement]
public sealed class LocalProbeGrain(ILocalSiloDetails silo) : ProbeGrainBase(silo), ILocalProbeGrain;

[HashBasedPlacement]
public sealed class HashProbeGrain(ILocalSiloDetails silo) : ProbeGrainBase(silo), IHashProbeGrain;
