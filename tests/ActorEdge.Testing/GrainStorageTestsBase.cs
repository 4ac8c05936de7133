using ActorEdge.Serialization;
using Xunit;

namespace ActorEdge.Testing;

/// <summary>A state type for the storage conformance suite.</summary>
[GenerateSerializer]
public sealed class ConformanceState
{
    [Id(0)]
    public string Name { get; set; } = string.Empty;

    [Id(1)]
    public int Count { get; set; }

    [Id(2)]
    public List<string> Items { get; set; } = [];

    [Id(3)]
    public byte[] Blob { get; set; } = [];
}

/// <summary>
/// The contract of <see cref="IGrainStorage"/>: every provider's tests inherit this class and
/// supply the storage. ETags are opaque; only their equality and change are asserted.
/// </summary>
public abstract class GrainStorageTestsBase
{
    private static int _keys;

    /// <summary>The storage under test (a fresh or shared instance; tests use unique grain ids).</summary>
    protected abstract IGrainStorage Storage { get; }

    /// <summary>The largest state the provider must store (the default, 1 MiB, fits every provider's defaults).</summary>
    protected virtual int LargeStateBytes => 1024 * 1024;

    /// <summary>A grain id no other test uses.</summary>
    protected static GrainId NewGrainId(string type = "conformance") =>
        new(type, $"{Environment.ProcessId}-{Interlocked.Increment(ref _keys)}-{Guid.NewGuid():N}");

    [Fact]
    public async Task Read_NoRecord_LeavesStateAndReportsNone()
    {
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "untouched" });

        await Storage.ReadStateAsync("s", NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("untouched", state.State.Name);
    }

    [Fact]
    public async Task Write_NewRecord_ReadReturnsStateAndEtag()
    {
        var grain = NewGrainId();
        var written = new GrainState<ConformanceState>(new ConformanceState { Name = "a", Count = 3, Items = ["x", "y"], Blob = [1, 2, 3] });

        await Storage.WriteStateAsync("s", grain, written);
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("a", read.State.Name);
        Assert.Equal(3, read.State.Count);
        Assert.Equal(["x", "y"], read.State.Items);
        Assert.Equal([1, 2, 3], read.State.Blob);
    }

    [Fact]
    public async Task Write_Twice_EtagChanges()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await Storage.WriteStateAsync("s", grain, state);
        var first = state.ETag;

        state.State.Count = 2;
        await Storage.WriteStateAsync("s", grain, state);

        Assert.NotEqual(first, state.ETag);
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(2, read.State.Count);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_StaleEtag_ThrowsInconsistentStateAndChangesNothing()
    {
        var grain = NewGrainId();
        var first = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await Storage.WriteStateAsync("s", grain, first);
        var stale = new GrainState<ConformanceState>(new ConformanceState { Count = 99 }) { ETag = first.ETag, RecordExists = true };
        first.State.Count = 2;
        await Storage.WriteStateAsync("s", grain, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("s", grain, stale));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(2, read.State.Count);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_NullEtagOverExistingRecord_ThrowsInconsistentState()
    {
        var grain = NewGrainId();
        await Storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState { Count = 1 }));

        var blind = new GrainState<ConformanceState>(new ConformanceState { Count = 7 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("s", grain, blind));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(1, read.State.Count);
    }

    [Fact]
    public async Task Write_EtagWithoutRecord_ThrowsInconsistentState()
    {
        var grain = NewGrainId();
        var other = NewGrainId();
        var elsewhere = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.WriteStateAsync("s", other, elsewhere);

        var phantom = new GrainState<ConformanceState>(new ConformanceState()) { ETag = elsewhere.ETag, RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("s", grain, phantom));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task Clear_ThenRead_NoRecord_AndNewWriteWithNullEtagSucceeds()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 5 });
        await Storage.WriteStateAsync("s", grain, state);

        await Storage.ClearStateAsync("s", grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.False(read.RecordExists);

        var again = new GrainState<ConformanceState>(new ConformanceState { Count = 6 });
        await Storage.WriteStateAsync("s", grain, again);
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(6, read.State.Count);
    }

    [Fact]
    public async Task Write_EtagReadBeforeClearAndRewrite_ThrowsInconsistentState()
    {
        var grain = NewGrainId();
        var writer = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await Storage.WriteStateAsync("s", grain, writer);
        var staleReader = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, staleReader);
        await Storage.ClearStateAsync("s", grain, writer);
        writer.State.Count = 2;
        await Storage.WriteStateAsync("s", grain, writer);

        // The reader's ETag names a record that no longer exists: an ETag must never be reused.
        staleReader.State.Count = 3;
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("s", grain, staleReader));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(2, read.State.Count);
    }

    [Fact]
    public async Task Clear_StaleEtag_ThrowsInconsistentStateAndKeepsRecord()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await Storage.WriteStateAsync("s", grain, state);
        var stale = new GrainState<ConformanceState>(new ConformanceState()) { ETag = state.ETag, RecordExists = true };
        await Storage.WriteStateAsync("s", grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("s", grain, stale));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Clear_NoRecordWithNullEtag_Succeeds()
    {
        var state = new GrainState<ConformanceState>(new ConformanceState());

        await Storage.ClearStateAsync("s", NewGrainId(), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task States_AreKeyedByGrainTypeKeyAndStateName()
    {
        var grain = NewGrainId("type-a");
        var sameKeyOtherType = new GrainId("type-b", grain.Key);
        await Storage.WriteStateAsync("one", grain, new GrainState<ConformanceState>(new ConformanceState { Name = "one" }));
        await Storage.WriteStateAsync("two", grain, new GrainState<ConformanceState>(new ConformanceState { Name = "two" }));
        await Storage.WriteStateAsync("one", sameKeyOtherType, new GrainState<ConformanceState>(new ConformanceState { Name = "other type" }));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("one", grain, read);
        Assert.Equal("one", read.State.Name);
        await Storage.ReadStateAsync("two", grain, read);
        Assert.Equal("two", read.State.Name);
        await Storage.ReadStateAsync("one", sameKeyOtherType, read);
        Assert.Equal("other type", read.State.Name);
    }

    [Fact]
    public async Task Write_LargeState_RoundTrips()
    {
        var grain = NewGrainId();
        var blob = new byte[LargeStateBytes];
        new Random(42).NextBytes(blob);
        await Storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState { Blob = blob }));

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);

        Assert.Equal(blob, read.State.Blob);
    }

    [Fact]
    public async Task Write_ConcurrentWritersWithSameEtag_ExactlyOneWins()
    {
        var grain = NewGrainId();
        var initial = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.WriteStateAsync("s", grain, initial);

        var writers = Enumerable.Range(0, 8).Select(i => new GrainState<ConformanceState>(new ConformanceState { Count = i }) { ETag = initial.ETag, RecordExists = true }).ToArray();
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try
            {
                await Storage.WriteStateAsync("s", grain, w);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
        var winner = writers[Array.IndexOf(outcomes, true)];
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await Storage.ReadStateAsync("s", grain, read);
        Assert.Equal(winner.State.Count, read.State.Count);
        Assert.Equal(winner.ETag, read.ETag);
    }
}
