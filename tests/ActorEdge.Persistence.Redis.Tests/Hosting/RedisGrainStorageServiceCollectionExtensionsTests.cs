using ActorEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace ActorEdge.Persistence.Redis.Hosting;

public sealed class RedisGrainStorageServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddRedisGrainStorage_Named_RegistersKeyedStorageWithNamedOptions()
    {
        var services = new ServiceCollection().AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.Configure<SiloOptions>(o => o.ServiceId = "orders");
        services.AddRedisGrainStorage("a", o => (o.Port, o.KeyPrefix) = (7001, "x:"));
        services.AddRedisGrainStorage("b", ob => ob.Configure(o => o.Port = 7002));
        await using var provider = services.BuildServiceProvider();

        var monitor = provider.GetRequiredService<IOptionsMonitor<RedisStorageOptions>>();
        var a = Assert.IsType<RedisGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("a"));
        var b = Assert.IsType<RedisGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("b"));

        Assert.Equal(7001, monitor.Get("a").Port);
        Assert.Equal(7002, monitor.Get("b").Port);
        Assert.Equal("x:orders/t/k/s", a.KeyOf(new GrainId("t", "k"), "s"));
        Assert.Equal("orders/t/k/s", b.KeyOf(new GrainId("t", "k"), "s"));
    }

    [Fact]
    public void AddRedisGrainStorage_InvalidOptions_ValidationNamesTheProblems()
    {
        var services = new ServiceCollection();
        services.AddRedisGrainStorage("bad", o => (o.Host, o.Port, o.EntryExpiry, o.User) = ("", 0, TimeSpan.Zero, "u"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<RedisStorageOptions>>().Get("bad"));

        Assert.Equal(
            [
                "RedisStorageOptions.Host of storage 'bad' must be set.",
                "RedisStorageOptions.Port of storage 'bad' must be between 1 and 65535 (was 0).",
                "RedisStorageOptions.EntryExpiry of storage 'bad' must be at least 1 ms, or null for none.",
                "RedisStorageOptions.User of storage 'bad' needs a Password.",
            ],
            error.Failures);
    }

    [Fact]
    public void ToString_WithPassword_RedactsIt()
    {
        var options = new RedisStorageOptions { Host = "cache", User = "svc", Password = "hunter2" };

        var text = options.ToString();

        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("User=svc, Password=***", text);
        Assert.DoesNotContain("hunter2", options.ToClientOptions().ToString());
    }

    [Fact]
    public void AddRedisGrainStorageAsDefault_RegistersTheDefaultName()
    {
        var services = new ServiceCollection();
        var silo = new TestSiloBuilder(services);

        silo.AddRedisGrainStorageAsDefault(o => o.Port = 7003).AddRedisGrainStorage("named");

        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, StorageNames.Default) && d.ServiceType == typeof(IGrainStorage));
        Assert.Single(services, d => d.IsKeyedService && Equals(d.ServiceKey, "named") && d.ServiceType == typeof(IGrainStorage));
    }

    private sealed class TestSiloBuilder(IServiceCollection services) : ISiloBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
