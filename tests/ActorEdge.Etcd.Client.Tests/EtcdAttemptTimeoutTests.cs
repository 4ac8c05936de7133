using ActorEdge.Etcd.Testing;
using Xunit;

namespace ActorEdge.Etcd;

/// <summary>
/// <see cref="EtcdClientOptions.AttemptTimeout"/>: a member that takes a request and never answers
/// (as a follower does with a proposal dropped mid leader transfer) costs one attempt, not the
/// request timeout. The request timeout here is ten minutes, so without the attempt deadline each
/// call below would hang for that long.
/// </summary>
public sealed class EtcdAttemptTimeoutTests(SingleMemberFixture etcd) : IAsyncLifetime
{
    private readonly string _prefix = $"attempt/{Guid.NewGuid():N}/";
    private readonly SilentMember _silent = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _silent.Dispose();
        return ValueTask.CompletedTask;
    }

    private EtcdClient CreateClient() => new(new EtcdClientOptions
    {
        // The silent member first: it is the preferred endpoint.
        Endpoints = { _silent.Url, etcd.Cluster.Members[0].ClientUrl },
        RequestTimeout = TimeSpan.FromMinutes(10),
        AttemptTimeout = TimeSpan.FromMilliseconds(300),
    });

    [Fact]
    public async Task Read_FromAMemberThatNeverAnswers_IsSentAgainToAnotherMember()
    {
        await etcd.Client.PutAsync(_prefix + "k", "v");
        await using var client = CreateClient();

        var read = await client.GetValueAsync(_prefix + "k", serializable: true).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal("v", read!.ValueString);
        Assert.True(_silent.Accepted > 0, "the read never went to the silent member");
    }

    [Fact]
    public async Task Write_ToAMemberThatNeverAnswers_FailsAfterTheAttempt_SayingItMayHaveBeenApplied()
    {
        await using var client = CreateClient();

        var failure = await Assert.ThrowsAsync<EtcdUnavailableException>(() => client.PutAsync(_prefix + "w", "v").WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));

        Assert.True(failure.MayHaveBeenApplied);
        Assert.Contains("within 300 ms", failure.Message);
        // The silent member is no longer preferred: the write sent again goes to the real one.
        await client.PutAsync(_prefix + "w", "v2").WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.Equal("v2", (await etcd.Client.GetValueAsync(_prefix + "w"))!.ValueString);
    }

    [Fact]
    public void Validate_NonPositiveAttemptTimeout_Throws()
    {
        var options = new EtcdClientOptions { Endpoints = { new Uri("http://127.0.0.1:2379") }, AttemptTimeout = TimeSpan.Zero };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("AttemptTimeout", error.Message);
    }
}
