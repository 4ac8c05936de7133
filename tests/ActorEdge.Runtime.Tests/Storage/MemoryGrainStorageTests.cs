using ActorEdge.Runtime.Storage;
using ActorEdge.Runtime.Tests.TestGrains;

namespace ActorEdge.Runtime.Tests.Storage;

public sealed class MemoryGrainStorageTests
{
    private static readonly GrainId Grain = new("state", "k");
    private readonly MemoryGrainStorage _storage = new("service");

    [Fact]
    public async Task ReadStateAsync_NoRecord_LeavesStateAndReportsNoRecord()
    {
        var state = New(5, "stale");
        state.RecordExists = true;

        await _storage.ReadStateAsync("s", Grain, state);

        Assert.Equal(5, state.State.Value);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
    }

    [Fact]
    public async Task WriteStateAsync_NewRecordThenRead_ReturnsTheValueAndETag()
    {
        var written = New(7);
        await _storage.WriteStateAsync("s", Grain, written);

        var read = await ReadAsync();

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.Equal(7, read.State.Value);
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task WriteStateAsync_StaleETag_ThrowsInconsistentStateAndChangesNothing()
    {
        var first = New(1);
        await _storage.WriteStateAsync("s", Grain, first);
        var second = await ReadAsync();
        second.State.Value = 2;
        await _storage.WriteStateAsync("s", Grain, second);

        first.State.Value = 3;
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", Grain, first));

        Assert.Equal(second.ETag, error.StoredEtag);
        Assert.Equal(first.ETag, error.CurrentEtag);
        var read = await ReadAsync();
        Assert.Equal(2, read.State.Value);
        Assert.Equal(second.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_NoETagWhileRecordExists_ThrowsInconsistentStateAndChangesNothing()
    {
        var first = New(1);
        await _storage.WriteStateAsync("s", Grain, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", Grain, New(9)));

        var read = await ReadAsync();
        Assert.Equal(1, read.State.Value);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task ClearStateAsync_CurrentETag_RemovesTheRecord()
    {
        var state = New(1);
        await _storage.WriteStateAsync("s", Grain, state);

        await _storage.ClearStateAsync("s", Grain, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        var read = await ReadAsync();
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task ClearStateAsync_StaleETag_ThrowsInconsistentStateAndKeepsTheRecord()
    {
        var first = New(1);
        await _storage.WriteStateAsync("s", Grain, first);
        var second = await ReadAsync();
        second.State.Value = 2;
        await _storage.WriteStateAsync("s", Grain, second);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("s", Grain, first));

        Assert.Equal(2, (await ReadAsync()).State.Value);
    }

    [Fact]
    public async Task ClearStateAsync_NoRecordAndNoETag_Succeeds()
    {
        var state = New(0);

        await _storage.ClearStateAsync("s", Grain, state);

        Assert.False(state.RecordExists);
        Assert.False((await ReadAsync()).RecordExists);
    }

    [Fact]
    public async Task WriteStateAsync_ETagReadBeforeAClearAndRewrite_ThrowsInconsistentState()
    {
        var writer = New(1);
        await _storage.WriteStateAsync("s", Grain, writer);
        var staleReader = await ReadAsync();
        await _storage.ClearStateAsync("s", Grain, writer);
        writer.State.Value = 2;
        await _storage.WriteStateAsync("s", Grain, writer);

        // The reader's ETag names a record that no longer exists: its write must not succeed.
        staleReader.State.Value = 3;
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", Grain, staleReader));

        Assert.Equal(2, (await ReadAsync()).State.Value);
    }

    [Fact]
    public async Task WriteStateAsync_DifferentStateNamesAndGrains_AreSeparateRecords()
    {
        await _storage.WriteStateAsync("s", Grain, New(1));
        await _storage.WriteStateAsync("other", Grain, New(2));
        await _storage.WriteStateAsync("s", new GrainId("state", "other-key"), New(3));

        Assert.Equal(1, (await ReadAsync()).State.Value);
    }

    private static GrainState<CounterState> New(int value, string? etag = null) => new(new CounterState { Value = value }) { ETag = etag };

    private async Task<GrainState<CounterState>> ReadAsync()
    {
        var state = New(-1);
        await _storage.ReadStateAsync("s", Grain, state);
        return state;
    }
}
