namespace ActorEdge.CodeGenerator.Tests.EndToEnd;

public interface IBaseTestGrain : IGrainWithStringKey
{
    Task<string> BaseEcho(string value);
}

public interface ITestGrain : IBaseTestGrain
{
    Task Ping();

    Task<int> Add(int a, int b);

    ValueTask Touch(string name);

    ValueTask<string?> Echo(string? value);

    [OneWay]
    Task Fire(int value);

    [OneWay]
    ValueTask FireValue(int value);

    [AlwaysInterleave]
    [ResponseTimeout("00:00:05")]
    Task<bool> WaitFor(int value, CancellationToken cancellationToken);

    Task<Team> Describe(
        string text,
        Guid id,
        List<int> numbers,
        Dictionary<string, int> map,
        int? maybe,
        Color color,
        Person person,
        Team team,
        Node chain,
        double ratio,
        long big,
        Point point,
        Money money,
        Dog dog,
        Nested.Inner inner);

    Task<Person> Throw(string message);

    ValueTask<int> ThrowSynchronously(string message);
}

public sealed class TestGrainImplementation : ITestGrain
{
    public List<string> Calls { get; } = [];

    public CancellationToken LastToken { get; private set; }

    public TaskCompletionSource<int> Fired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public object?[] LastDescribeArguments { get; private set; } = [];

    public Task<string> BaseEcho(string value) => Task.FromResult("base:" + value);

    public Task Ping()
    {
        Calls.Add("Ping");
        return Task.CompletedTask;
    }

    public Task<int> Add(int a, int b) => Task.FromResult(a + b);

    public ValueTask Touch(string name)
    {
        Calls.Add("Touch:" + name);
        return ValueTask.CompletedTask;
    }

    public ValueTask<string?> Echo(string? value) => ValueTask.FromResult(value);

    public Task Fire(int value)
    {
        Fired.TrySetResult(value);
        return Task.CompletedTask;
    }

    public ValueTask FireValue(int value)
    {
        Fired.TrySetResult(value);
        return ValueTask.CompletedTask;
    }

    public async Task<bool> WaitFor(int value, CancellationToken cancellationToken)
    {
        LastToken = cancellationToken;
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return value > 0;
    }

    public Task<Team> Describe(
        string text, Guid id, List<int> numbers, Dictionary<string, int> map, int? maybe, Color color, Person person,
        Team team, Node chain, double ratio, long big, Point point, Money money, Dog dog, Nested.Inner inner)
    {
        LastDescribeArguments = [text, id, numbers, map, maybe, color, person, team, chain, ratio, big, point, money, dog, inner];
        if (team is null)
        {
            return Task.FromResult<Team>(null!);
        }
        var result = new Team { Name = text + "!", Members = [.. team.Members, person], Scores = map };
        return Task.FromResult(result);
    }

    public async Task<Person> Throw(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }

    public ValueTask<int> ThrowSynchronously(string message) => throw new ArgumentException(message);
}
