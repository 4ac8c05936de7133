namespace ActorEdge.Runtime.Tests.Infrastructure;

/// <summary>Waits for a condition with a bound; a condition that never holds fails the test with what was awaited.</summary>
internal static class Wait
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(20);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? DefaultBound);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting until {what} (bound {bound ?? DefaultBound}).");
            }
            await Task.Delay(10);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? DefaultBound);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting until {what} (bound {bound ?? DefaultBound}).");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Awaits a task that must complete within the bound.</summary>
    public static Task<T> For<T>(Task<T> task, string what, TimeSpan? bound = null) => Bounded(task, what, bound);

    /// <summary>Awaits a task that must complete within the bound.</summary>
    public static async Task For(Task task, string what, TimeSpan? bound = null)
    {
        try
        {
            await task.WaitAsync(bound ?? DefaultBound);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Gave up waiting for {what} (bound {bound ?? DefaultBound}).");
        }
    }

    private static async Task<T> Bounded<T>(Task<T> task, string what, TimeSpan? bound)
    {
        try
        {
            return await task.WaitAsync(bound ?? DefaultBound);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Gave up waiting for {what} (bound {bound ?? DefaultBound}).");
        }
    }
}
