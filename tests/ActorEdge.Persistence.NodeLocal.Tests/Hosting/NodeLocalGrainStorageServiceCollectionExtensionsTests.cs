using ActorEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal.Hosting;

public sealed class NodeLocalGrainStorageServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddNodeLocalGrainStorage_Named_RegistersKeyedStorageAndMigrationWithNamedOptions()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var services = new ServiceCollection().AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.Configure<SiloOptions>(o => o.ServiceId = "orders");
        services.AddNodeLocalGrainStorage("a", o => (o.RootPath, o.MaxRecordBytes) = (a.Path, 1234));
        services.AddNodeLocalGrainStorage("b", ob => ob.Configure(o => o.RootPath = b.Path));
        await using var provider = services.BuildServiceProvider();

        var monitor = provider.GetRequiredService<IOptionsMonitor<NodeLocalStorageOptions>>();
        var storageA = Assert.IsType<NodeLocalGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("a"));
        var storageB = Assert.IsType<NodeLocalGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("b"));

        Assert.Equal(1234, monitor.Get("a").MaxRecordBytes);
        Assert.Equal(64 * 1024 * 1024, monitor.Get("b").MaxRecordBytes);
        Assert.Equal(Path.Combine(a.Path, "orders", "t", "k", "s.rec"), storageA.PathOf(new GrainId("t", "k"), "s"));
        Assert.Equal(Path.Combine(b.Path, "orders", "t", "k", "s.rec"), storageB.PathOf(new GrainId("t", "k"), "s"));
        Assert.IsAssignableFrom<IGrainStorageMigration>(storageA);
    }

    [Fact]
    public async Task AddNodeLocalGrainStorage_NoRootPath_UsesTheSilosNodeAndTheProviderUnderTemp()
    {
        var node = "node-" + Guid.NewGuid().ToString("N");
        var services = new ServiceCollection().AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<ILocalSiloDetails>(new SiloDetails(node));
        services.AddNodeLocalGrainStorage(StorageNames.Reactive, (Action<NodeLocalStorageOptions>)(_ => { }));
        string root;
        await using (var provider = services.BuildServiceProvider())
        {
            root = Assert.IsType<NodeLocalGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Reactive)).RootPath;
        }
        Directory.Delete(Path.GetDirectoryName(root)!, recursive: true);

        Assert.Equal(Path.Combine(Path.GetTempPath(), "actoredge-nodelocal", node, "Reactive"), root);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "actoredge-nodelocal", "edge%2F1", "%2E."), NodeLocalGrainStorageServiceCollectionExtensions.DefaultRootPath("edge/1", ".."));
    }

    [Fact]
    public void AddNodeLocalGrainStorage_InvalidOptions_ValidationNamesTheProblems()
    {
        var services = new ServiceCollection();
        services.AddNodeLocalGrainStorage("bad", o => (o.RootPath, o.MaxRecordBytes) = ("relative/dir", 0));
        services.AddNodeLocalGrainStorage("blank", o => (o.RootPath, o.MaxRecordBytes) = (" ", NodeLocalStorageOptions.MaxRecordBytesLimit + 1));
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<NodeLocalStorageOptions>>();

        var bad = Assert.Throws<OptionsValidationException>(() => monitor.Get("bad"));
        var blank = Assert.Throws<OptionsValidationException>(() => monitor.Get("blank"));

        Assert.Equal(
            [
                "NodeLocalStorageOptions.RootPath of storage 'bad' must be an absolute path (was 'relative/dir').",
                "NodeLocalStorageOptions.MaxRecordBytes of storage 'bad' must be between 1 and 1073741824 (was 0).",
            ],
            bad.Failures);
        Assert.Equal(
            [
                "NodeLocalStorageOptions.RootPath of storage 'blank' must be an absolute path, or null for the default.",
                "NodeLocalStorageOptions.MaxRecordBytes of storage 'blank' must be between 1 and 1073741824 (was 1073741825).",
            ],
            blank.Failures);
    }

    [Fact]
    public void AddNodeLocalGrainStorageAsDefault_RegistersTheDefaultName()
    {
        var services = new ServiceCollection();
        var silo = new TestSiloBuilder(services);

        silo.AddNodeLocalGrainStorageAsDefault(o => o.MaxRecordBytes = 10).AddNodeLocalGrainStorage(StorageNames.Reactive);

        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, StorageNames.Default) && d.ServiceType == typeof(IGrainStorage));
        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, StorageNames.Reactive) && d.ServiceType == typeof(IGrainStorage));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<NodeLocalStorageOptions>));
    }

    private sealed class SiloDetails(string nodeName) : ILocalSiloDetails
    {
        public SiloAddress SiloAddress => throw new InvalidOperationException("not started");

        public string NodeName { get; } = nodeName;

        public string? Zone => null;

        public string ClusterId => "test";

        public string ServiceId => "test";
    }

    private sealed class TestSiloBuilder(IServiceCollection services) : ISiloBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
