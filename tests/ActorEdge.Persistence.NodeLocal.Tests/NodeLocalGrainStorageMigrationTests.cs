using System.Net;
using ActorEdge.Testing;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>Export on the source, import on the target, complete on the source: two stores over two directories, as two nodes.</summary>
public sealed class NodeLocalGrainStorageMigrationTests : IDisposable
{
    private static readonly SiloAddress SourceSilo = new(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress TargetSilo = new(new IPEndPoint(IPAddress.Loopback, 11112), 1);

    private readonly TempDirectory _sourceDirectory = new();
    private readonly TempDirectory _targetDirectory = new();
    private readonly NodeLocalGrainStorage _source;
    private readonly NodeLocalGrainStorage _target;

    public NodeLocalGrainStorageMigrationTests()
    {
        _source = NodeLocalGrainStorageTests.Create(_sourceDirectory.Path, name: "source");
        _target = NodeLocalGrainStorageTests.Create(_targetDirectory.Path, name: "target");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        _sourceDirectory.Dispose();
        _targetDirectory.Dispose();
    }

    private static GrainId NewGrain() => new("migrating", Guid.NewGuid().ToString("N"));

    private static StateMigration Migration(GrainId grain, string? etag) => new(grain, "s", etag, SourceSilo, TargetSilo, "node-b");

    private static async Task<GrainState<ConformanceState>> ReadAsync(IGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", grain, state, Token);
        return state;
    }

    private async Task<GrainState<ConformanceState>> WriteAsync(GrainId grain, int times)
    {
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "moving", Items = ["a"], Blob = [1, 2, 3] });
        for (var i = 1; i <= times; i++)
        {
            state.State.Count = i;
            await _source.WriteStateAsync("s", grain, state, Token);
        }
        return state;
    }

    [Fact]
    public void Components_AreFlushAndImport_AndTheRecordTravels()
    {
        IGrainStorageMigration migration = _source;

        Assert.True(migration.TransfersRecord);
        Assert.Equal("flush", migration.ExportComponent);
        Assert.Equal("import", migration.ImportComponent);
    }

    [Fact]
    public async Task ExportImportComplete_RoundTrip_KeepsStateAndVersionAndRemovesTheSourceCopy()
    {
        var grain = NewGrain();
        var written = await WriteAsync(grain, 3);
        var migration = Migration(grain, written.ETag);

        var exported = await _source.ExportAsync(migration, Token);
        await _target.ImportAsync(migration, exported, Token);
        var atTarget = await ReadAsync(_target, grain);
        await _source.CompleteAsync(migration, Token);

        Assert.Equal(await File.ReadAllBytesAsync(_target.PathOf(grain, "s"), Token), exported.ToArray());
        Assert.True(atTarget.RecordExists);
        Assert.Equal("3", atTarget.ETag);
        Assert.Equal(3, atTarget.State.Count);
        Assert.Equal("moving", atTarget.State.Name);
        Assert.Equal(["a"], atTarget.State.Items);
        Assert.Equal([1, 2, 3], atTarget.State.Blob);
        Assert.False(File.Exists(_source.PathOf(grain, "s")));
        Assert.False(Directory.Exists(Path.GetDirectoryName(_source.PathOf(grain, "s"))));
        Assert.False((await ReadAsync(_source, grain)).RecordExists);

        // The ETag stays meaningful on the target: the grain's next write continues the version.
        await _target.WriteStateAsync("s", grain, atTarget, Token);
        Assert.Equal("4", atTarget.ETag);
        var stale = new GrainState<ConformanceState>(new ConformanceState()) { ETag = "3", RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _target.WriteStateAsync("s", grain, stale, Token));
    }

    [Fact]
    public async Task CompleteAsync_AfterANewerWriteAtTheSource_KeepsTheRecord()
    {
        var grain = NewGrain();
        var written = await WriteAsync(grain, 2);
        var migration = Migration(grain, written.ETag);
        var exported = await _source.ExportAsync(migration, Token);
        await _target.ImportAsync(migration, exported, Token);
        await _source.WriteStateAsync("s", grain, written, Token);

        await _source.CompleteAsync(migration, Token);

        var atSource = await ReadAsync(_source, grain);
        Assert.True(atSource.RecordExists);
        Assert.Equal("3", atSource.ETag);
        Assert.Equal("2", (await ReadAsync(_target, grain)).ETag);
    }

    [Fact]
    public async Task CompleteAsync_AfterARestartOfTheSource_KeepsTheRecordRatherThanGuess()
    {
        var grain = NewGrain();
        var written = await WriteAsync(grain, 2);
        var migration = Migration(grain, written.ETag);
        await _target.ImportAsync(migration, await _source.ExportAsync(migration, Token), Token);
        _source.Dispose();
        using var restarted = NodeLocalGrainStorageTests.Create(_sourceDirectory.Path, name: "source");

        await restarted.CompleteAsync(migration, Token);

        Assert.True(File.Exists(restarted.PathOf(grain, "s")));
    }

    [Fact]
    public async Task CompleteAsync_LateAfterTheRecordCameBack_DoesNotDeleteIt()
    {
        var grain = NewGrain();
        var written = await WriteAsync(grain, 2);
        var there = Migration(grain, written.ETag);
        await _target.ImportAsync(there, await _source.ExportAsync(there, Token), Token);
        // The grain comes straight back before the source completed its first move.
        var back = Migration(grain, written.ETag);
        await _source.ImportAsync(back, await _target.ExportAsync(back, Token), Token);
        await _target.CompleteAsync(back, Token);

        await _source.CompleteAsync(there, Token);

        Assert.True(File.Exists(_source.PathOf(grain, "s")));
        Assert.False(File.Exists(_target.PathOf(grain, "s")));
        Assert.Equal(2, (await ReadAsync(_source, grain)).State.Count);
    }

    [Fact]
    public async Task ImportAsync_FetchOfAnOlderCopy_KeepsTheNewerLocalTombstone()
    {
        var grain = NewGrain();
        var old = await WriteAsync(grain, 1);
        var stale = await _source.ExportAsync(Migration(grain, old.ETag), Token);
        // The target holds the grain's later history: written twice more, then cleared.
        await _target.ImportAsync(Migration(grain, old.ETag), stale, Token);
        var state = await ReadAsync(_target, grain);
        state.State.Count = 9;
        await _target.WriteStateAsync("s", grain, state, Token);
        await _target.ClearStateAsync("s", grain, state, Token);

        await _target.ImportAsync(Migration(grain, null), stale, Token);

        Assert.False((await ReadAsync(_target, grain)).RecordExists);
    }

    [Fact]
    public async Task ExportAsync_NoRecord_ReturnsEmptyAndCompleteChangesNothing()
    {
        var grain = NewGrain();
        var migration = Migration(grain, null);

        var exported = await _source.ExportAsync(migration, Token);
        await _source.CompleteAsync(migration, Token);

        Assert.True(exported.IsEmpty);
        Assert.False(Directory.Exists(Path.GetDirectoryName(_source.PathOf(grain, "s"))));
    }

    [Fact]
    public async Task ImportAsync_Empty_RemovesTheLocalRecord()
    {
        var grain = NewGrain();
        var leftover = new GrainState<ConformanceState>(new ConformanceState { Count = 5 });
        await _target.WriteStateAsync("s", grain, leftover, Token);

        await _target.ImportAsync(Migration(grain, null), ReadOnlyMemory<byte>.Empty, Token);

        Assert.False(File.Exists(_target.PathOf(grain, "s")));
        Assert.False((await ReadAsync(_target, grain)).RecordExists);
    }

    [Fact]
    public async Task ImportAsync_CorruptExport_ThrowsAndChangesNothing()
    {
        var grain = NewGrain();
        var written = await WriteAsync(grain, 1);
        var migration = Migration(grain, written.ETag);
        var exported = (await _source.ExportAsync(migration, Token)).ToArray();
        exported[^1] ^= 0x01;

        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(() => _target.ImportAsync(migration, exported, Token));

        Assert.Equal($"NodeLocal grain storage 'target': the record of {grain}/s exported by {SourceSilo} is not valid: the payload checksum does not match; nothing was imported.", error.Message);
        Assert.False(File.Exists(_target.PathOf(grain, "s")));
        Assert.True((await ReadAsync(_source, grain)).RecordExists);
    }

    [Fact]
    public async Task ImportAsync_RecordLargerThanMaxRecordBytes_ThrowsAndChangesNothing()
    {
        using var directory = new TempDirectory();
        using var small = NodeLocalGrainStorageTests.Create(directory.Path, o => o.MaxRecordBytes = 100, name: "small");
        var grain = NewGrain();
        var state = new GrainState<ConformanceState>(new ConformanceState { Blob = new byte[500] });
        await _source.WriteStateAsync("s", grain, state, Token);
        var migration = Migration(grain, state.ETag);

        var error = await Assert.ThrowsAsync<NodeLocalStorageException>(async () => await small.ImportAsync(migration, await _source.ExportAsync(migration, Token), Token));

        Assert.EndsWith("more than MaxRecordBytes (100); nothing was imported.", error.Message);
        Assert.False(File.Exists(small.PathOf(grain, "s")));
    }

    [Fact]
    public async Task ExportImport_ClearedRecord_TravelsAsATombstoneSoVersionsAreNotReused()
    {
        var grain = NewGrain();
        var state = await WriteAsync(grain, 2);
        await _source.ClearStateAsync("s", grain, state, Token);
        var migration = Migration(grain, null);

        var exported = await _source.ExportAsync(migration, Token);
        await _target.ImportAsync(migration, exported, Token);
        await _source.CompleteAsync(migration, Token);
        var atTarget = await ReadAsync(_target, grain);
        await _target.WriteStateAsync("s", grain, atTarget, Token);

        Assert.Equal(32, exported.Length);
        Assert.False(File.Exists(_source.PathOf(grain, "s")));
        Assert.Equal("4", atTarget.ETag);
    }

    [Fact]
    public async Task Migration_BackAndForth_VersionKeepsIncreasing()
    {
        var grain = NewGrain();
        var state = await WriteAsync(grain, 1);
        var stores = new[] { _source, _target };
        for (var hop = 0; hop < 6; hop++)
        {
            var from = stores[hop % 2];
            var to = stores[(hop + 1) % 2];
            var migration = Migration(grain, state.ETag);
            await to.ImportAsync(migration, await from.ExportAsync(migration, Token), Token);
            await from.CompleteAsync(migration, Token);
            state = await ReadAsync(to, grain);
            state.State.Count++;
            await to.WriteStateAsync("s", grain, state, Token);
            Assert.False(File.Exists(from.PathOf(grain, "s")));
        }

        Assert.Equal("7", state.ETag);
        Assert.Equal(7, (await ReadAsync(_source, grain)).State.Count);
    }
}
