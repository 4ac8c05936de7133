using System.Text.Json;
using ActorEdge.Etcd;
using ActorEdge.Etcd.Testing;
using ActorEdge.Hosting;
using ActorEdge.Serialization;
using ActorEdge.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace ActorEdge.Persistence.Etcd;

public sealed class EtcdGrainStorageTests(EtcdStorageFixture etcd)
{
    private readonly string _prefix = $"svc-{Guid.NewGuid():N}";

    [Fact]
    public async Task Write_EtcdctlReadsExactlyTheKeyBytesAndRevision()
    {
        await using var storage = etcd.CreateStorage(_prefix);
        var grain = new GrainId("counter", "42");
        var state = new GrainState<ConformanceState>(new ConformanceState { Name = "n", Count = 7, Items = ["a"], Blob = [9, 8] });
        await storage.WriteStateAsync("total", grain, state);
        await storage.WriteStateAsync("other", grain, new GrainState<ConformanceState>(new ConformanceState()));

        using var json = JsonDocument.Parse(await etcd.Cluster.EtcdctlAsync("get", "--prefix", _prefix + "/", "-w", "json"));

        var kvs = json.RootElement.GetProperty("kvs").EnumerateArray().ToArray();
        Assert.Equal([$"{_prefix}/counter/42/other", $"{_prefix}/counter/42/total"], kvs.Select(kv => System.Text.Encoding.UTF8.GetString(kv.GetProperty("key").GetBytesFromBase64())));
        Assert.Equal(Serializer.SerializeToArray(state.State), kvs[1].GetProperty("value").GetBytesFromBase64());
        Assert.Equal(state.ETag, kvs[1].GetProperty("mod_revision").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Read_CorruptBytes_ThrowsSerializationExceptionNamingTheKey()
    {
        await using var storage = etcd.CreateStorage(_prefix);
        var grain = new GrainId("corrupt", "1");
        await etcd.Client.PutAsync(storage.KeyOf("s", grain), new byte[] { 0xff, 0xfe, 0x01, 0x02, 0x03 });

        var e = await Assert.ThrowsAsync<SerializationException>(() => storage.ReadStateAsync("s", grain, new GrainState<ConformanceState>(new ConformanceState())));

        Assert.Contains(storage.KeyOf("s", grain), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_ForeignEtag_ThrowsInconsistentState()
    {
        await using var storage = etcd.CreateStorage(_prefix);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", new GrainId("t", "1"), new GrainState<ConformanceState>(new ConformanceState()) { ETag = "W/\"abc\"" }));
    }

    [Fact]
    public async Task Write_StateOverRequestLimit_ThrowsStorageExceptionNamingTheLimit()
    {
        await using var storage = etcd.CreateStorage(_prefix);
        var big = new GrainState<ConformanceState>(new ConformanceState { Blob = new byte[2 * 1024 * 1024] });

        var e = await Assert.ThrowsAsync<EtcdStorageException>(() => storage.WriteStateAsync("s", new GrainId("big", "1"), big));

        Assert.Contains("request size limit of 1572864 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("--max-request-bytes", e.Message, StringComparison.Ordinal);
        Assert.IsType<EtcdRequestTooLargeException>(e.InnerException);
    }

    [Fact]
    public async Task SerializableReads_ReturnTheWrittenState()
    {
        await using var storage = etcd.CreateStorage(_prefix, o => o.SerializableReads = true);
        var grain = new GrainId("local", "1");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 3 });
        await storage.WriteStateAsync("s", grain, state);

        var read = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", grain, read);

        Assert.Equal(3, read.State.Count);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task AddEtcdGrainStorage_RegistersKeyedStorageUsingTheServiceId()
    {
        var services = new ServiceCollection();
        services.Configure<SiloOptions>(o => o.ServiceId = _prefix);
        var silo = new TestSiloBuilder(services);
        silo.AddEtcdGrainStorage("etcd", o =>
        {
            o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
            o.Client.Password = "redacted-secret";
            o.Client.Username = "u";
        });
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<EtcdStorageOptions>>().Get("etcd");
        var storage = (EtcdGrainStorage)provider.GetRequiredKeyedService<IGrainStorage>("etcd");

        Assert.Equal($"{_prefix}/t/k/s", storage.KeyOf("s", new GrainId("t", "k")));
        Assert.DoesNotContain("redacted-secret", options.ToString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CompactionInterval);
    }

    [Theory]
    [InlineData(EtcdMigrationMode.None, typeof(EtcdGrainStorage))]
    [InlineData(EtcdMigrationMode.NodeLocal, typeof(Migration.EtcdNodeLocalMigration))]
    [InlineData(EtcdMigrationMode.Replicated, typeof(Migration.EtcdReplicatedMigration))]
    public async Task AddEtcdGrainStorage_MigrationMode_RegistersTheModesProvider(EtcdMigrationMode mode, Type expected)
    {
        var services = new ServiceCollection();
        services.Configure<SiloOptions>(o => o.ServiceId = _prefix);
        new TestSiloBuilder(services).AddEtcdGrainStorage(StorageNames.Proactive, o =>
        {
            o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
            o.Migration = mode;
        });
        await using var provider = services.BuildServiceProvider();

        var storage = provider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Proactive);

        Assert.IsType(expected, storage);
        Assert.Equal(mode != EtcdMigrationMode.None, storage is IGrainStorageMigration);
    }

    [Fact]
    public async Task ReplicatedMode_WriteToAMemberThatNeverAnswers_IsSentAgainAfterOneAttemptAndResolved()
    {
        // A follower holding a proposal that a leader handing over dropped answers only at etcd's
        // request timeout; a member that never answers stands in for it. The request timeout is ten
        // minutes: without Replicated mode's attempt deadline the write would wait that long.
        using var silent = new SilentMember();
        var services = new ServiceCollection();
        services.Configure<SiloOptions>(o => o.ServiceId = _prefix);
        new TestSiloBuilder(services).AddEtcdGrainStorage(StorageNames.Proactive, o =>
        {
            o.Client.Endpoints.Add(silent.Url);
            o.Client.Endpoints.Add(etcd.Cluster.ClientUrls[0]);
            o.Client.RequestTimeout = TimeSpan.FromMinutes(10);
            o.Migration = EtcdMigrationMode.Replicated;
            o.LocalMember = etcd.Cluster.ClientUrls[0];
            o.CompactionInterval = null;
        });
        await using var provider = services.BuildServiceProvider();
        var storage = (Migration.EtcdMigratingGrainStorage)provider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Proactive);
        var grain = new GrainId("g", "attempt");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });

        await storage.WriteStateAsync("s", grain, state).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(EtcdStorageOptions.DefaultReplicatedAttemptTimeout, provider.GetRequiredService<IOptionsMonitor<EtcdStorageOptions>>().Get(StorageNames.Proactive).Client.AttemptTimeout);
        Assert.True(silent.Accepted > 0, "the write never went to the silent member");
        Assert.Equal(1, storage.Storage.ResolvedWrites);
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", grain, read);
        Assert.Equal(1, read.State.Count);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public void Validator_RejectsBadMigrationOptions()
    {
        var options = new EtcdStorageOptions
        {
            Migration = EtcdMigrationMode.Replicated,
            LocalMember = new Uri("http://127.0.0.1:1"),
            CatchUpTimeout = TimeSpan.Zero,
            LeaderMoveCooldown = TimeSpan.FromSeconds(-1),
        };
        options.Client.Endpoints.Add(new Uri("http://127.0.0.1:2"));

        var result = new EtcdStorageOptionsValidator().Validate("etcd", options);

        Assert.Equal(
            [
                "EtcdStorageOptions.CatchUpTimeout of storage 'etcd' must be positive.",
                "EtcdStorageOptions.LeaderMoveCooldown of storage 'etcd' must not be negative.",
                "EtcdStorageOptions.LocalMember of storage 'etcd' (http://127.0.0.1:1/) must be one of Client.Endpoints.",
            ],
            result.Failures);
    }

    [Fact]
    public void Validator_RejectsBadOptions()
    {
        var options = new EtcdStorageOptions { KeyPrefix = "", CompactionRetainedRevisions = 0 };
        options.Client.Endpoints.Add(new Uri("ftp://x"));

        var result = new EtcdStorageOptionsValidator().Validate("etcd", options);

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
    }

    private sealed class TestSiloBuilder(IServiceCollection services) : ISiloBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}

/// <summary>Storage tests that run their own etcd (stopped, restarted or filled up).</summary>
public sealed class EtcdGrainStorageFaultTests(EtcdStorageFixture etcd)
{
    [Fact]
    public async Task EtcdKilledAndRestarted_WritesFailClearlyThenResumeWithTheSameEtag()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        await using var storage = etcd.CreateStorage("restart", o => o.Client.RequestTimeout = TimeSpan.FromSeconds(1), cluster);
        var grain = new GrainId("g", "1");
        var state = new GrainState<ConformanceState>(new ConformanceState { Count = 1 });
        await storage.WriteStateAsync("s", grain, state);

        await cluster.Members[0].KillAsync();
        state.State.Count = 2;
        var down = await Assert.ThrowsAsync<EtcdStorageException>(() => storage.WriteStateAsync("s", grain, state));
        cluster.Members[0].Restart();
        await cluster.WaitForLeaderAsync();
        await storage.WriteStateAsync("s", grain, state);

        Assert.IsType<EtcdUnavailableException>(down.InnerException);
        var read = new GrainState<ConformanceState>(new ConformanceState());
        await storage.ReadStateAsync("s", grain, read);
        Assert.Equal(2, read.State.Count);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Write_WhenSpaceQuotaExhausted_ThrowsStorageExceptionNamingNospace()
    {
        await using var cluster = await EtcdCluster.StartAsync(1, "--quota-backend-bytes", "4194304");
        await using var storage = etcd.CreateStorage("full", null, cluster);
        var state = new GrainState<ConformanceState>(new ConformanceState { Blob = new byte[100 * 1024] });
        var grain = new GrainId("g", "1");

        EtcdStorageException? full = null;
        for (var i = 0; i < 500 && full is null; i++)
        {
            try
            {
                await storage.WriteStateAsync("s", grain, state);
            }
            catch (EtcdStorageException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.IsType<EtcdNoSpaceException>(full.InnerException);
        Assert.Contains("NOSPACE", full.Message, StringComparison.Ordinal);
        Assert.Contains("space quota", full.Message, StringComparison.Ordinal);
        await using var client = cluster.CreateClient();
        Assert.Equal("NOSPACE", Assert.Single(await client.AlarmsAsync()).Alarm);
    }

    [Fact]
    public async Task Compaction_KeepsHistoryBoundedBehindTheCurrentRevision()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        await using var storage = etcd.CreateStorage("compact", o => o.CompactionRetainedRevisions = 2, cluster);
        await using var client = cluster.CreateClient();
        var grain = new GrainId("g", "1");
        var state = new GrainState<ConformanceState>(new ConformanceState());
        var etags = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            state.State.Count = i;
            await storage.WriteStateAsync("s", grain, state);
            etags.Add(long.Parse(state.ETag!, System.Globalization.CultureInfo.InvariantCulture));
        }
        await using var compactor = new EtcdHistoryCompactor(client, TimeSpan.FromHours(1), 2, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);

        await compactor.CompactOnceAsync(CancellationToken.None);

        Assert.Equal(etags[^1] - 2, compactor.CompactedRevision);
        Assert.True(compactor.LastStatus!.DbSize > 0);
        await Assert.ThrowsAsync<EtcdCompactedException>(() => client.GetAsync(storage.KeyOf("s", grain), new EtcdGetOptions { Revision = etags[^3] - 1 }));
        var retained = await client.GetAsync(storage.KeyOf("s", grain), new EtcdGetOptions { Revision = etags[^2] });
        Assert.Equal(3, Serializer.Deserialize<ConformanceState>(Assert.Single(retained.Kvs).Value.Span).Count);
    }
}
