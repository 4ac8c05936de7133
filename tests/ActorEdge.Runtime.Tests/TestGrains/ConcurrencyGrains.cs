namespace ActorEdge.Runtime.Tests.TestGrains;

/// <summary>Measures how many requests run at once on one activation.</summary>
public interface ITurnGrain : IGrainWithStringKey
{
    /// <summary>Enters, yields and delays, then leaves.</summary>
    Task Enter();

    /// <summary>Enters and waits until <paramref name="expected"/> requests are inside at once (only possible when they interleave).</summary>
    Task WaitForCompany(int expected);

    Task<int> MaxConcurrency();
}

public interface INonReentrantTurnGrain : ITurnGrain;

public interface IReentrantTurnGrain : ITurnGrain;

public abstract class TurnGrainBase : Grain, ITurnGrain
{
    private readonly TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inside;
    private int _maxInside;

    public async Task Enter()
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        await Task.Yield();
        await Task.Delay(2);
        _inside--;
    }

    public async Task WaitForCompany(int expected)
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        if (_inside == expected)
        {
            _full.TrySetResult();
        }
        await _full.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _inside--;
    }

    public Task<int> MaxConcurrency() => Task.FromResult(_maxInside);
}

public sealed class TurnGrain : TurnGrainBase, INonReentrantTurnGrain;

[Reentrant]
public sealed class ReentrantTurnGrain : TurnGrainBase, IReentrantTurnGrain;

/// <summary>A non-reentrant grain whose methods block on the probe's gate.</summary>
public interface IGateGrain : IGrainWithStringKey
{
    /// <summary>Records "block-start", waits for the gate, records "block-end".</summary>
    Task Block();

    /// <summary>Records "ping"; may interleave with <see cref="Block"/>.</summary>
    [AlwaysInterleave]
    Task Ping();

    /// <summary>Records "normal".</summary>
    Task Normal();

    /// <summary>One-way: waits for the gate, then records "fire:{value}".</summary>
    [OneWay]
    Task Fire(int value);
}

public sealed class GateGrain : Grain, IGateGrain
{
    private Probe Probe => Probe.For(GetPrimaryKeyString());

    public async Task Block()
    {
        Probe.Record("block-start");
        Probe.Entered.TrySetResult();
        await Probe.Gate.Task;
        Probe.Record("block-end");
    }

    public Task Ping()
    {
        Probe.Record("ping");
        return Task.CompletedTask;
    }

    public Task Normal()
    {
        Probe.Record("normal");
        return Task.CompletedTask;
    }

    public async Task Fire(int value)
    {
        await Probe.Gate.Task;
        Probe.Record($"fire:{value}");
    }
}
