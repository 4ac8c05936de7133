using System.Buffers.Binary;
using ActorEdge.Serialization;
using ActorEdge.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal;

public sealed class NodeLocalGrainStorageTests : GrainStorageTestsBase, IDisposable
{
    private readonly TempDirectory _directory = new();
    private NodeLocalGrainStorage _storage;

    public NodeLocalGrainStorageTests()
    {
        _storage = Create(_directory.Path);
    }

    protected override IGrainStorage Storage => _storage;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _storage.Dispose();
        _directory.Dispose();
    }

    internal static NodeLocalGrainStorage Create(string root, Action<NodeLocalStorageOptions>? configure = null, string name = "test")
    {
        var options = new NodeLocalStorageOptions();
        configure?.Invoke(options);
        return new NodeLocalGrainStorage(name, "svc", root, options, NullLogger<NodeLocalGrainStorage>.Instance);
    }

    /// <summary>Closes the store and opens a new one over the same directory, as a silo restart does.</summary>
    private NodeLocalGrainStorage Restart(Action<NodeLocalStorageOptions>? configure = null)
    {
        _storage.Dispose();
        _storage = Create(_directory.Path, configure);
        return _storage;
    }

    private static async Task<GrainState<ConformanceState>> ReadAsync(IGrainStorage storage, GrainId grain, string stateName = "s")
    {
        var state = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync(stateName, grain, state, Token);
        return state;
    }

    [Fact]
    public async Task WriteStateAsync_RecordFile_IsAtTheInspectableLayoutWithHeaderAndSerializerPayload()
    {
        var grain = new GrainId("cart", "user/42..x");
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "visible", Count = 7 });

        await _storage.WriteStateAsync("items", grain, state, Token);

        var path = Path.Combine(_directory.Path, "svc", "cart", "user%2F42..x", "items.rec");
        Assert.Equal(path, _storage.PathOf(grain, "items"));
        var bytes = await File.ReadAllBytesAsync(path, Token);
        var payload = Serializer.SerializeToArray(state.State);
        Assert.Equal(32 + payload.Length, bytes.Length);
        Assert.Equal("AENL"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(payload.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(Crc32C.Compute(payload), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(payload, bytes[32..]);
        Assert.Equal("1", state.ETag);
        Assert.Equal(["items.rec"], Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task WriteAndClear_Versions_IncreaseByOneAndContinueAfterAClear()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });

        await _storage.WriteStateAsync("s", grain, state, Token);
        var first = state.ETag;
        await _storage.WriteStateAsync("s", grain, state, Token);
        var second = state.ETag;
        await _storage.ClearStateAsync("s", grain, state, Token);
        await _storage.WriteStateAsync("s", grain, state, Token);

        Assert.Equal("1 2 4", string.Join(' ', first, second, state.ETag));
        Assert.Equal("4", (await ReadAsync(_storage, grain)).ETag);
    }

    [Fact]
    public async Task ReadStateAsync_NewStoreOverTheSameDirectory_ReturnsTheRecordAndItsVersion()
    {
        var grain = NewGrainId();
        var cleared = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "durable", Items = ["a", "b"] });
        await _storage.WriteStateAsync("s", grain, state, Token);
        await _storage.WriteStateAsync("s", grain, state, Token);
        var gone = new GrainState<ConformanceState>(new ConformanceState());
        await _storage.WriteStateAsync("s", cleared, gone, Token);
        await _storage.ClearStateAsync("s", cleared, gone, Token);

        var restarted = Restart();
        var read = await ReadAsync(restarted, grain);
        var readCleared = await ReadAsync(restarted, cleared);
        var clearedExists = readCleared.RecordExists;
        await restarted.WriteStateAsync("s", cleared, readCleared, Token);

        Assert.True(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Equal("durable", read.State.Name);
        Assert.Equal(["a", "b"], read.State.Items);
        Assert.False(clearedExists);
        Assert.Equal("3", readCleared.ETag);
    }

    [Fact]
    public void Constructor_RootHeldByAnotherStore_ThrowsNamingTheLockFile()
    {
        var error = Assert.Throws<NodeLocalStorageException>(() => Create(_directory.Path, name: "second"));

        Assert.Equal(Path.Combine(_directory.Path, ".nodelocal.lock"), error.FilePath);
        Assert.StartsWith($"NodeLocal grain storage 'second' cannot own its root '{_directory.Path}': ", error.Message);
    }

    [Fact]
    public async Task Constructor_TornTemporaryFileLeftByACrash_IsIgnoredAndRemoved()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await _storage.WriteStateAsync("s", grain, state, Token);
        var path = _storage.PathOf(grain, "s");
        // What a crash between the write of a temporary file and its rename leaves: half a record.
        var torn = path + ".0123456789ab.tmp";
        await File.WriteAllBytesAsync(torn, (await File.ReadAllBytesAsync(path, Token))[..20], Token);

        var before = await ReadAsync(_storage, grain);
        var restarted = Restart();
        var after = await ReadAsync(restarted, grain);

        Assert.Equal(1, before.State.Count);
        Assert.False(File.Exists(torn));
        Assert.Equal(["s.rec"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Equal(1, after.State.Count);
        Assert.Equal("1", after.ETag);
    }

    [Theory]
    [InlineData(40, "the payload checksum does not match")]
    [InlineData(9, "the header checksum does not match")]
    [InlineData(0, "it does not start with the record magic \"AENL\"")]
    public async Task ReadStateAsync_FlippedByte_ThrowsNodeLocalStorageExceptionNamingTheFile(int offset, string reason)
    {
        var grain = NewGrainId();
        await _storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState { Name = "some state to corrupt", Blob = new byte[64] }), Token);
        var path = _storage.PathOf(grain, "s");
        var bytes = await File.ReadAllBytesAsync(path, Token);
        bytes[offset] ^= 0x10;
        await File.WriteAllBytesAsync(path, bytes, Token);

        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(() => ReadAsync(_storage, grain));

        Assert.Equal(path, error.FilePath);
        Assert.Equal($"NodeLocal grain storage 'test': the record file '{path}' is corrupt: {reason}. It was not read; restore it or delete it to start the state over.", error.Message);
    }

    [Fact]
    public async Task ReadStateAsync_TruncatedRecord_ThrowsNamingTheFile()
    {
        var grain = NewGrainId();
        await _storage.WriteStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState { Blob = new byte[100] }), Token);
        var path = _storage.PathOf(grain, "s");
        var bytes = await File.ReadAllBytesAsync(path, Token);
        await File.WriteAllBytesAsync(path, bytes[..^10], Token);

        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(() => ReadAsync(_storage, grain));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"the record file '{path}' is corrupt: the header announces a {bytes.Length - 32}-byte payload but the record is {bytes.Length - 10} bytes long.", error.Message);
    }

    [Fact]
    public async Task WriteStateAsync_OverACorruptRecord_ThrowsAndLeavesTheFileAsItWas()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await _storage.WriteStateAsync("s", grain, state, Token);
        var path = _storage.PathOf(grain, "s");
        var bytes = await File.ReadAllBytesAsync(path, Token);
        bytes[12] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes, Token);

        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(() => _storage.WriteStateAsync("s", grain, state, Token));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path, Token));
    }

    [Fact]
    public async Task ReadStateAsync_ValidRecordOfAnotherType_ThrowsNamingTheFileAndType()
    {
        var grain = NewGrainId();
        await _storage.WriteStateAsync("s", grain, new GrainState<string>("not a ConformanceState"), Token);
        var path = _storage.PathOf(grain, "s");

        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(() => ReadAsync(_storage, grain));

        Assert.StartsWith($"NodeLocal grain storage 'test': the record '{path}' (version 1, ", error.Message);
        Assert.Contains("checksum valid) cannot be read as ConformanceState", error.Message);
        Assert.IsType<SerializationException>(error.InnerException);
    }

    [Fact]
    public async Task WriteStateAsync_StateLargerThanMaxRecordBytes_ThrowsAndKeepsTheOldRecord()
    {
        var storage = Restart(o => o.MaxRecordBytes = 1000);
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Blob = new byte[500] });
        await storage.WriteStateAsync("s", grain, state, Token);
        var path = storage.PathOf(grain, "s");
        var before = await File.ReadAllBytesAsync(path, Token);

        state.State.Blob = new byte[2000];
        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(() => storage.WriteStateAsync("s", grain, state, Token));

        var size = Serializer.SerializeToArray(state.State).Length;
        Assert.Equal($"NodeLocal grain storage 'test': the state for '{path}' is {size} bytes, more than MaxRecordBytes (1000); nothing was written.", error.Message);
        Assert.Equal("1", state.ETag);
        Assert.Equal(before, await File.ReadAllBytesAsync(path, Token));
        var read = await ReadAsync(storage, grain);
        Assert.Equal(500, read.State.Blob.Length);
        Assert.Equal("1", read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_StaleEtag_ThrowsWithBothVersionsAndChangesNothing()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await _storage.WriteStateAsync("s", grain, state, Token);
        await _storage.WriteStateAsync("s", grain, state, Token);
        var before = await File.ReadAllBytesAsync(_storage.PathOf(grain, "s"), Token);
        var stale = new GrainState<ConformanceState>(new ConformanceState { Count = 9 }) { ETag = "1", RecordExists = true };

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync("s", grain, stale, Token));

        Assert.Equal("2", error.StoredEtag);
        Assert.Equal("1", error.CurrentEtag);
        Assert.Equal("1", stale.ETag);
        Assert.Equal(before, await File.ReadAllBytesAsync(_storage.PathOf(grain, "s"), Token));
    }

    [Fact]
    public async Task ClearStateAsync_StaleEtag_ThrowsWithBothVersionsAndKeepsTheRecord()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await _storage.WriteStateAsync("s", grain, state, Token);
        await _storage.WriteStateAsync("s", grain, state, Token);
        var stale = new GrainState<ConformanceState>(new ConformanceState()) { ETag = "1", RecordExists = true };

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("s", grain, stale, Token));

        Assert.Equal("2", error.StoredEtag);
        Assert.Equal("1", error.CurrentEtag);
        var read = await ReadAsync(_storage, grain);
        Assert.True(read.RecordExists);
        Assert.Equal("2", read.ETag);
    }

    [Fact]
    public async Task ClearStateAsync_EtagOfTheTombstone_ThrowsBecauseTheRecordDoesNotExist()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState());
        await _storage.WriteStateAsync("s", grain, state, Token);
        await _storage.ClearStateAsync("s", grain, state, Token);
        var guess = new GrainState<ConformanceState>(new ConformanceState()) { ETag = "2", RecordExists = true };

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync("s", grain, guess, Token));

        Assert.Null(error.StoredEtag);
        Assert.Equal("2", error.CurrentEtag);
    }

    [Fact]
    public async Task WriteStateAsync_ConcurrentWritersOnDifferentGrains_AllWritesLandInOrder()
    {
        const int Grains = 24;
        const int WritesPerGrain = 10;
        var grains = Enumerable.Range(0, Grains).Select(_ => NewGrainId("parallel")).ToArray();

        await Task.WhenAll(grains.Select(grain => Task.Run(async () =>
        {
            var state = new GrainState<ConformanceState>(new ConformanceState());
            for (var i = 1; i <= WritesPerGrain; i++)
            {
                state.State.Count = i;
                state.State.Blob = new byte[i * 1000];
                await _storage.WriteStateAsync("s", grain, state, Token);
            }
        }, Token)));

        foreach (var grain in grains)
        {
            var read = await ReadAsync(_storage, grain);
            Assert.Equal("10", read.ETag);
            Assert.Equal(WritesPerGrain, read.State.Count);
            Assert.Equal(WritesPerGrain * 1000, read.State.Blob.Length);
        }
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(Grains, Directory.GetFiles(_directory.Path, "*.rec", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task WriteStateAsync_WhileAnotherGrainsWriteHoldsItsLock_Proceeds()
    {
        var blocked = NewGrainId();
        var other = NewGrainId();
        while (_storage.GateFor(other) == _storage.GateFor(blocked))
        {
            other = NewGrainId();
        }
        // Occupy the lock stripe of one grain, as a slow write would: writes to other grains do not wait for it.
        var gate = _storage.GateFor(blocked);
        await gate.WaitAsync(Token);
        try
        {
            var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
            await _storage.WriteStateAsync("s", other, state, Token).WaitAsync(TimeSpan.FromSeconds(10), Token);
            Assert.Equal("1", state.ETag);

            var waiting = _storage.WriteStateAsync("s", blocked, new GrainState<ConformanceState>(new ConformanceState()), Token);
            Assert.False(waiting.IsCompleted);
            gate.Release();
            await waiting.WaitAsync(TimeSpan.FromSeconds(10), Token);
            await gate.WaitAsync(Token);
        }
        finally
        {
            gate.Release();
        }
    }

    [Fact]
    public async Task Operations_AfterDispose_ThrowObjectDisposedAndTouchNothing()
    {
        var grain = NewGrainId();
        var state = new GrainState<ConformanceState>(new ConformanceState());
        _storage.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => _storage.WriteStateAsync("s", grain, state, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _storage.ReadStateAsync("s", grain, state, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _storage.ImportAsync(new StateMigration(grain, "s", null, null!, null!, null), new byte[32], Token));

        Assert.False(File.Exists(_storage.PathOf(grain, "s")));
    }
}
