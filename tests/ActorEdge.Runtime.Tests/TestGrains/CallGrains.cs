using ActorEdge.Placement;

namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>Methods that never answer until canceled.</summary>
public interface IHangGrain : IGrainWithStringKey
{
    /// <summary>Never completes unless <paramref name="cancellationToken"/> is canceled.</summary>
    Task Hang(CancellationToken cancellationToken);

    /// <summary>Like <see cref="Hang"/>, with a longer timeout than the cluster's.</summary>
    [ResponseTimeout("00:00:01.500")]
    Task HangLonger(CancellationToken cancellationToken);

    /// <summary>Like <see cref="Hang"/>, with a shorter timeout than the cluster's.</summary>
    [ResponseTimeout("00:00:00.300")]
    Task HangShorter(CancellationToken cancellationToken);
}

public sealed class HangGrain : Grain, IHangGrain
{
    private Probe Probe => Probe.For(GetPrimaryKeyString());

    public Task Hang(CancellationToken cancellationToken) => WaitForCancellationAsync(cancellationToken);

    public Task HangLonger(CancellationToken cancellationToken) => WaitForCancellationAsync(cancellationToken);

    public Task HangShorter(CancellationToken cancellationToken) => WaitForCancellationAsync(cancellationToken);

    private async Task WaitForCancellationAsync(CancellationToken cancellationToken)
    {
        Probe.Entered.TrySetResult();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Probe.Canceled.TrySetResult();
            throw;
        }
    }
}

/// <summary>An exception type of the application, known on both sides.</summary>
public sealed class TestGrainException(string message) : Exception(message);

/// <summary>Throws; placed on the first caller's silo.</summary>
public interface IThrowerGrain : IGrainWithStringKey
{
    Task<ActivationInfo> Identify();

    Task ThrowInvalidOperation(string message);

    Task ThrowArgument(string message);

    Task<int> ThrowCustom(string message);

    /// <summary>Throws before returning a task.</summary>
    Task ThrowSynchronously(string message);
}

[PreferLocalPlacement]
public sealed class ThrowerGrain(ILocalSiloDetails silo) : Grain, IThrowerGrain
{
    private readonly Guid _activationId = Guid.NewGuid();

    public Task<ActivationInfo> Identify() => Task.FromResult(new ActivationInfo(_activationId, silo.SiloAddress.ToString()));

    public async Task ThrowInvalidOperation(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }

    public async Task ThrowArgument(string message)
    {
        await Task.Yield();
        throw new ArgumentException(message);
    }

    public async Task<int> ThrowCustom(string message)
    {
        await Task.Yield();
        throw new TestGrainException(message);
    }

    public Task ThrowSynchronously(string message) => throw new InvalidOperationException(message);
}
