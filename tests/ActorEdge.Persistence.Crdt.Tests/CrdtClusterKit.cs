using ActorEdge.Crdt;
using ActorEdge.Hosting;
using ActorEdge.Persistence.Crdt.Replication;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Persistence.Crdt.Tests;

/// <summary>A test cluster whose silos have CRDT storage "crdt", and tools to cut links and wait for convergence.</summary>
internal sealed class CrdtClusterKit : IAsyncDisposable
{
    private readonly HashSet<(SiloAddress, SiloAddress)> _cut = [];
    private readonly HashSet<SiloAddress> _quarantined = [];
    private readonly List<string> _journals = [];

    private CrdtClusterKit(TestCluster cluster)
    {
        Cluster = cluster;
    }

    public TestCluster Cluster { get; }

    /// <summary>Journal folder of each silo index (set before the silo starts; null for none).</summary>
    public Dictionary<int, string> JournalOf { get; } = [];

    public static async Task<CrdtClusterKit> StartAsync(int silos, Action<CrdtReplicationOptions>? configure = null, Func<int, bool>? withJournal = null, Action<CrdtStorageOptions>? storage = null, Action<MessagingOptions>? messaging = null)
    {
        CrdtClusterKit? kit = null;
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConnectClient = false;
        builder.ConfigureSilos((silo, index) =>
        {
            if (messaging is not null)
            {
                silo.Configure(messaging);
            }
            silo.AddCrdtGrainStorage("crdt", (CrdtStorageOptions o) => storage?.Invoke(o));
            silo.ConfigureCrdtReplication(o =>
            {
                o.SendInterval = TimeSpan.FromMilliseconds(20);
                o.AntiEntropyInterval = TimeSpan.FromMilliseconds(200);
                o.RequestTimeout = TimeSpan.FromSeconds(2);
                if (kit!.JournalOf.TryGetValue(index, out var journal))
                {
                    o.JournalDirectory = journal;
                }
                configure?.Invoke(o);
            });
        });
        var cluster = builder.Build();
        kit = new CrdtClusterKit(cluster);
        for (var i = 0; i < silos; i++)
        {
            if (withJournal?.Invoke(i) == true)
            {
                kit.JournalOf[i] = kit.NewJournalFolder();
            }
        }
        await cluster.DeployAsync();
        foreach (var silo in cluster.Silos)
        {
            kit.Hook(silo);
        }
        return kit;
    }

    public string NewJournalFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"crdt-journal-{Guid.NewGuid():N}");
        _journals.Add(folder);
        return folder;
    }

    public async Task<SiloHandle> StartSiloAsync()
    {
        var silo = await Cluster.StartAdditionalSiloAsync();
        Hook(silo);
        return silo;
    }

    public static ICrdtGrainStorage Storage(SiloHandle silo) => (ICrdtGrainStorage)silo.Services.GetRequiredKeyedService<IGrainStorage>("crdt");

    public static CrdtReplicator Replicator(SiloHandle silo) => silo.Services.GetRequiredService<CrdtReplicator>();

    public static ICrdtState<T> State<T>(SiloHandle silo, GrainId grain, string name = "s") where T : class, ICrdt<T> =>
        silo.Services.GetRequiredService<ICrdtStateFactory>().Get<T>(grain, name, "crdt");

    /// <summary>Cuts replication between <paramref name="a"/> and <paramref name="b"/>, both ways.</summary>
    public void Cut(SiloHandle a, SiloHandle b)
    {
        lock (_cut)
        {
            _cut.Add((a.Address, b.Address));
            _cut.Add((b.Address, a.Address));
        }
    }

    /// <summary>
    /// Waits until every silo replicates with all the others and has bootstrapped (a later bootstrap
    /// would take states whole) and every link has been answered, then stops anti-entropy everywhere: only deltas, and what a test
    /// asks for, move states from then on.
    /// </summary>
    public async Task BootstrapThenPauseAntiEntropyAsync()
    {
        var silos = Cluster.Silos;
        await WaitUntilAsync(() => silos.All(s => Replicator(s).Peers.Count == silos.Count - 1 && Replicator(s).Bootstrapped),
            "the silos replicate with each other, bootstrapped");
        // Every link has had an answer, so a test's first batch goes as an established link sends it.
        await WaitUntilAsync(() => silos.All(s => silos.All(p => p == s || Replicator(s).AcknowledgedBy(p.Address) is not null)),
            "every link has heard from its peer");
        foreach (var silo in silos)
        {
            Replicator(silo).AntiEntropyPaused = true;
        }
        // A round that started before the pause could still carry the test's first writes.
        await WaitUntilAsync(() => silos.All(s => !Replicator(s).AntiEntropyRunning), "anti-entropy rounds in flight to end");
    }

    /// <summary>Restores replication between <paramref name="a"/> and <paramref name="b"/>, both ways.</summary>
    public void Heal(SiloHandle a, SiloHandle b)
    {
        lock (_cut)
        {
            _cut.Remove((a.Address, b.Address));
            _cut.Remove((b.Address, a.Address));
        }
    }

    /// <summary>Isolates <paramref name="silo"/> from every other silo.</summary>
    public void Isolate(SiloHandle silo)
    {
        foreach (var other in Cluster.Silos)
        {
            if (other != silo)
            {
                Cut(silo, other);
            }
        }
    }

    /// <summary>Isolates <paramref name="silo"/> from every other silo, those started later included.</summary>
    public void Quarantine(SiloHandle silo)
    {
        lock (_cut)
        {
            _quarantined.Add(silo.Address);
        }
    }

    public void HealAll()
    {
        lock (_cut)
        {
            _cut.Clear();
            _quarantined.Clear();
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, seconds);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached within {seconds} s: {what}.");
            }
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var folder in _journals)
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private void Hook(SiloHandle silo)
    {
        var self = silo.Address;
        Replicator(silo).LinkFilter = peer =>
        {
            lock (_cut)
            {
                return !_cut.Contains((self, peer)) && !_quarantined.Contains(self) && !_quarantined.Contains(peer);
            }
        };
    }
}
