using ActorEdge.Benchmarks.Messaging;

namespace ActorEdge.Benchmarks.Infrastructure;

/// <summary>
/// Drives echo calls with a fixed number of concurrent callers. Each caller awaits its call
/// before making the next, so <c>concurrency</c> calls are in flight at all times; caller i
/// uses grain (or raw caller) i, so no two callers queue behind the same activation.
/// </summary>
public static class CallLoad
{
    /// <summary>Makes <paramref name="totalCalls"/> calls spread over <paramref name="concurrency"/> callers.</summary>
    public static Task RunBatchAsync(IEchoGrain[] grains, int concurrency, int totalCalls)
    {
        if (concurrency == 1)
        {
            return SequentialAsync(grains[0], totalCalls);
        }
        var workers = new Task[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            workers[i] = SequentialAsync(grains[i], totalCalls / concurrency);
        }
        return Task.WhenAll(workers);
    }

    /// <inheritdoc cref="RunBatchAsync(IEchoGrain[], int, int)"/>
    public static Task RunBatchAsync(RawEchoClient client, int concurrency, int totalCalls)
    {
        if (concurrency == 1)
        {
            return SequentialAsync(client.Callers[0], totalCalls);
        }
        var workers = new Task[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            workers[i] = SequentialAsync(client.Callers[i], totalCalls / concurrency);
        }
        return Task.WhenAll(workers);
    }

    /// <summary>Calls until <paramref name="stop"/> is set; returns the number of calls completed.</summary>
    public static async Task<long> RunUntilAsync(IEchoGrain[] grains, int concurrency, StopFlag stop)
    {
        var workers = new Task<long>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            workers[i] = LoopAsync(grains[i], stop);
        }
        return Sum(await Task.WhenAll(workers).ConfigureAwait(false));
    }

    /// <inheritdoc cref="RunUntilAsync(IEchoGrain[], int, StopFlag)"/>
    public static async Task<long> RunUntilAsync(RawEchoClient client, int concurrency, StopFlag stop)
    {
        var workers = new Task<long>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            workers[i] = LoopAsync(client.Callers[i], stop);
        }
        return Sum(await Task.WhenAll(workers).ConfigureAwait(false));
    }

    private static async Task SequentialAsync(IEchoGrain grain, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            if (await grain.Echo(i).ConfigureAwait(false) != i)
            {
                throw new InvalidOperationException("The echo grain answered with another value.");
            }
        }
    }

    private static async Task SequentialAsync(RawEchoClient.Caller caller, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            if (await caller.EchoAsync(i).ConfigureAwait(false) != i)
            {
                throw new InvalidOperationException("The echo server answered with another value.");
            }
        }
    }

    private static async Task<long> LoopAsync(IEchoGrain grain, StopFlag stop)
    {
        // Yield first so every worker starts before any of them loops.
        await Task.Yield();
        long calls = 0;
        while (!stop.IsSet)
        {
            await grain.Echo((int)calls).ConfigureAwait(false);
            calls++;
        }
        return calls;
    }

    private static async Task<long> LoopAsync(RawEchoClient.Caller caller, StopFlag stop)
    {
        await Task.Yield();
        long calls = 0;
        while (!stop.IsSet)
        {
            await caller.EchoAsync((int)calls).ConfigureAwait(false);
            calls++;
        }
        return calls;
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }
        return sum;
    }
}

/// <summary>A flag the timed loops poll.</summary>
public sealed class StopFlag
{
    private volatile bool _set;

    public bool IsSet => _set;

    public void Set() => _set = true;
}
