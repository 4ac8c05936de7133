using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;
using ActorEdge.Serialization;
using ActorEdge.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ActorEdge.Persistence.Etcd.Migration;

/// <summary>Two edge nodes, each with its own single-member etcd.</summary>
public sealed class TwoNodeEtcdFixture : IAsyncLifetime
{
    public EtcdCluster NodeA { get; private set; } = null!;

    public EtcdCluster NodeB { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        NodeA = await EtcdCluster.StartAsync(["node-a"]);
        NodeB = await EtcdCluster.StartAsync(["node-b"]);
    }

    public async ValueTask DisposeAsync()
    {
        await NodeA.DisposeAsync();
        await NodeB.DisposeAsync();
    }
}

public sealed class EtcdNodeLocalMigrationTests(EtcdStorageFixture etcd, TwoNodeEtcdFixture nodes) : IClassFixture<TwoNodeEtcdFixture>
{
    private static readonly SiloAddress SiloA = new(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress SiloB = new(new IPEndPoint(IPAddress.Loopback, 11112), 1);
    private readonly string _prefix = $"svc-{Guid.NewGuid():N}";
    private readonly GrainId _grain = new("reactive", "7");

    [Fact]
    public async Task ExportImportComplete_MovesTheRecordIntoTheTargetEtcdAndRemovesTheSourceCopy()
    {
        await using var source = NodeLocal(nodes.NodeA);
        await using var target = NodeLocal(nodes.NodeB);
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "moved", Count = 41, Items = ["x", "y"], Blob = [1, 2, 3] });
        await source.WriteStateAsync("s", _grain, state);
        var migration = Migration(state.ETag);
        var key = source.Storage.KeyOf("s", _grain);

        var exported = await source.ExportAsync(migration, CancellationToken.None);
        await target.ImportAsync(migration, exported, CancellationToken.None);
        await source.CompleteAsync(migration, CancellationToken.None);

        var expectedBytes = Serializer.SerializeToArray(state.State);
        Assert.Equal(EtcdNodeLocalMigration.FormatVersion, exported.Span[0]);
        Assert.Equal(long.Parse(state.ETag!, CultureInfo.InvariantCulture), BinaryPrimitives.ReadInt64LittleEndian(exported.Span[1..]));
        Assert.Equal(expectedBytes, exported[9..].ToArray());
        using var atTarget = JsonDocument.Parse(await nodes.NodeB.EtcdctlAsync("get", key, "-w", "json"));
        var kv = Assert.Single(atTarget.RootElement.GetProperty("kvs").EnumerateArray());
        Assert.Equal(expectedBytes, kv.GetProperty("value").GetBytesFromBase64());
        Assert.Equal(string.Empty, await nodes.NodeA.EtcdctlAsync("get", "--prefix", _prefix + "/"));
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await target.ReadStateAsync("s", _grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(("moved", 41), (read.State.Name, read.State.Count));
        Assert.Equal(["x", "y"], read.State.Items);
        Assert.Equal([1, 2, 3], read.State.Blob);
        Assert.Equal(kv.GetProperty("mod_revision").GetInt64().ToString(CultureInfo.InvariantCulture), read.ETag);
    }

    [Fact]
    public async Task Complete_AfterANewerWriteAtTheSource_KeepsTheSourceRecord()
    {
        await using var source = NodeLocal(nodes.NodeA);
        await using var target = NodeLocal(nodes.NodeB);
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await source.WriteStateAsync("s", _grain, state);
        var migration = Migration(state.ETag);
        var exported = await source.ExportAsync(migration, CancellationToken.None);
        await target.ImportAsync(migration, exported, CancellationToken.None);
        state.State.Count = 2;
        await source.WriteStateAsync("s", _grain, state);

        await source.CompleteAsync(migration, CancellationToken.None);

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await source.ReadStateAsync("s", _grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(2, read.State.Count);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Export_BoundedByTheActivationsETag_ReadsLocally_AFetchOrAnExportAfterARefusedWrite_Linearizably()
    {
        await using var source = NodeLocal(nodes.NodeA);
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "steady", Count = 1 });
        await source.WriteStateAsync("s", _grain, state);

        var exported = await source.ExportAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((1L, 0L), (source.Storage.LocalReads, source.Storage.LinearizableReads));

        // A fetch (no activation, no ETag) has no lower bound.
        var fetched = await source.ExportAsync(Migration(null), CancellationToken.None);
        Assert.Equal((1L, 1L), (source.Storage.LocalReads, source.Storage.LinearizableReads));

        // A refused write: what is stored is no longer known to be bounded by the ETag an activation holds.
        var stale = new GrainState<ConformanceState>(new ConformanceState { Count = 9 }) { ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => source.WriteStateAsync("s", _grain, stale));
        var again = await source.ExportAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((1L, 2L), (source.Storage.LocalReads, source.Storage.LinearizableReads));

        // A write that succeeds after a refused one makes the ETag the stored revision again.
        await Assert.ThrowsAsync<InconsistentStateException>(() => source.WriteStateAsync("s", _grain, stale));
        state.State.Count = 2;
        await source.WriteStateAsync("s", _grain, state);
        var latest = await source.ExportAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((2L, 2L), (source.Storage.LocalReads, source.Storage.LinearizableReads));

        Assert.Equal(exported.ToArray(), fetched.ToArray());
        Assert.Equal(exported.ToArray(), again.ToArray());
        Assert.Equal(Serializer.SerializeToArray(new ConformanceState { Name = "steady", Count = 1 }), exported[9..].ToArray());
        Assert.Equal(Serializer.SerializeToArray(state.State), latest[9..].ToArray());
    }

    [Fact]
    public async Task Export_AfterPrepare_UsesTheRecordReadAhead_UnlessTheKeyWasWrittenSince()
    {
        await using var source = NodeLocal(nodes.NodeA);
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "ahead", Count = 1 });
        await source.WriteStateAsync("s", _grain, state);

        // Read ahead while the grain serves; the export, on the held path, reads nothing.
        await source.PrepareAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((1L, 0L), (source.Storage.LocalReads, source.Storage.LinearizableReads));
        var exported = await source.ExportAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((1L, 0L), (source.Storage.LocalReads, source.Storage.LinearizableReads));
        Assert.Equal(Serializer.SerializeToArray(new ConformanceState { Name = "ahead", Count = 1 }), exported[9..].ToArray());

        // A write after the read ahead: the export reads the record it wrote.
        await source.PrepareAsync(Migration(state.ETag), CancellationToken.None);
        state.State.Count = 2;
        await source.WriteStateAsync("s", _grain, state);
        var written = await source.ExportAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((3L, 0L), (source.Storage.LocalReads, source.Storage.LinearizableReads));
        Assert.Equal(Serializer.SerializeToArray(state.State), written[9..].ToArray());

        // A write refused after the read ahead (the ETag the activation holds did not move): the
        // export does not trust what was read ahead, and reads linearizably.
        await source.PrepareAsync(Migration(state.ETag), CancellationToken.None);
        var stale = new GrainState<ConformanceState>(new ConformanceState { Count = 9 }) { ETag = "1" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => source.WriteStateAsync("s", _grain, stale));
        var afterRefusal = await source.ExportAsync(Migration(state.ETag), CancellationToken.None);
        Assert.Equal((4L, 1L), (source.Storage.LocalReads, source.Storage.LinearizableReads));
        Assert.Equal(written.ToArray(), afterRefusal.ToArray());
    }

    [Fact]
    public async Task Export_NoRecord_ReturnsEmptyAndImportStoresNothing()
    {
        await using var source = NodeLocal(nodes.NodeA);
        await using var target = NodeLocal(nodes.NodeB);
        var migration = Migration(null);

        var exported = await source.ExportAsync(migration, CancellationToken.None);
        await target.ImportAsync(migration, exported, CancellationToken.None);
        await source.CompleteAsync(migration, CancellationToken.None);

        Assert.True(exported.IsEmpty);
        Assert.Equal(string.Empty, await nodes.NodeB.EtcdctlAsync("get", "--prefix", _prefix + "/"));
    }

    [Fact]
    public async Task Import_EmptyExport_RemovesALeftoverCopyAtTheTarget()
    {
        await using var source = NodeLocal(nodes.NodeA);
        await using var target = NodeLocal(nodes.NodeB);
        var leftover = new GrainState<ConformanceState>(new ConformanceState { Count = 3 });
        await target.WriteStateAsync("s", _grain, leftover);
        var migration = Migration(null);

        await target.ImportAsync(migration, await source.ExportAsync(migration, CancellationToken.None), CancellationToken.None);

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await target.ReadStateAsync("s", _grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal(string.Empty, await nodes.NodeB.EtcdctlAsync("get", "--prefix", _prefix + "/"));
    }

    [Fact]
    public async Task Import_TargetEtcdDown_ThrowsAndTheSourceKeepsTheRecord()
    {
        await using var targetNode = await EtcdCluster.StartAsync(["node-c"]);
        await using var source = NodeLocal(nodes.NodeA);
        await using var target = NodeLocal(targetNode, o => o.Client.RequestTimeout = TimeSpan.FromSeconds(1));
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 5 });
        await source.WriteStateAsync("s", _grain, state);
        var migration = Migration(state.ETag);
        var exported = await source.ExportAsync(migration, CancellationToken.None);
        await targetNode.Members[0].KillAsync();

        var e = await Assert.ThrowsAsync<EtcdStorageException>(() => target.ImportAsync(migration, exported, CancellationToken.None));

        Assert.Contains("cannot import", e.Message, StringComparison.Ordinal);
        Assert.Contains("the source keeps the record", e.Message, StringComparison.Ordinal);
        Assert.IsType<EtcdUnavailableException>(e.InnerException);
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await source.ReadStateAsync("s", _grain, read);
        Assert.Equal((true, 5, state.ETag), (read.RecordExists, read.State.Count, read.ETag));
    }

    [Fact]
    public async Task ReadAfterImport_IsTheImportedRecordWithoutAnEtcdRead_AndOnlyOnce()
    {
        await using var targetNode = await EtcdCluster.StartAsync(["node-d"]);
        await using var source = NodeLocal(nodes.NodeA);
        await using var target = NodeLocal(targetNode, o => o.Client.RequestTimeout = TimeSpan.FromSeconds(1));
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "imported", Count = 8 });
        await source.WriteStateAsync("s", _grain, state);
        var migration = Migration(state.ETag);
        await target.ImportAsync(migration, await source.ExportAsync(migration, CancellationToken.None), CancellationToken.None);
        var stored = long.Parse(JsonDocument.Parse(await targetNode.EtcdctlAsync("get", target.Storage.KeyOf("s", _grain), "-w", "json"))
            .RootElement.GetProperty("kvs")[0].GetProperty("mod_revision").GetRawText(), CultureInfo.InvariantCulture);
        await targetNode.Members[0].KillAsync();

        // The target activation's first read: the record just imported, with the revision etcd gave it.
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await target.ReadStateAsync("s", _grain, read);
        Assert.Equal((true, "imported", 8, stored.ToString(CultureInfo.InvariantCulture)), (read.RecordExists, read.State.Name, read.State.Count, read.ETag));

        // Only once: the next read goes to etcd (down here).
        var again = new GrainState<ConformanceState>(new ConformanceState());
        var e = await Assert.ThrowsAsync<EtcdStorageException>(() => target.ReadStateAsync("s", _grain, again));
        Assert.IsType<EtcdUnavailableException>(e.InnerException);
    }

    [Fact]
    public async Task Import_BytesThatAreNotAnExport_ThrowsAndStoresNothing()
    {
        await using var target = NodeLocal(nodes.NodeB);

        var e = await Assert.ThrowsAsync<EtcdStorageException>(() => target.ImportAsync(Migration("3"), new byte[] { 7, 1, 2 }, CancellationToken.None));

        Assert.Contains("not an etcd record export", e.Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await nodes.NodeB.EtcdctlAsync("get", "--prefix", _prefix + "/"));
    }

    [Fact]
    public void NodeLocal_NamesItsComponentsAndTransfersTheRecord()
    {
        using var storage = etcd.CreateStorage(_prefix, o => o.Migration = EtcdMigrationMode.NodeLocal);
        var migration = Assert.IsAssignableFrom<IGrainStorageMigration>(EtcdMigratingGrainStorage.For(storage, NullLogger.Instance, TimeProvider.System));

        Assert.Equal((true, "flush", "import"), (migration.TransfersRecord, migration.ExportComponent, migration.ImportComponent));
    }

    private EtcdNodeLocalMigration NodeLocal(EtcdCluster node, Action<EtcdStorageOptions>? configure = null) =>
        (EtcdNodeLocalMigration)EtcdMigratingGrainStorage.For(
            etcd.CreateStorage(_prefix, o => { o.Migration = EtcdMigrationMode.NodeLocal; configure?.Invoke(o); }, node), NullLogger.Instance, TimeProvider.System);

    private StateMigration Migration(string? etag) => new(_grain, "s", etag, SiloA, SiloB, "node-b");
}
