using System.Net;
using System.Net.Sockets;
using ActorEdge.Hosting;
using ActorEdge.Runtime.Messaging;
using ActorEdge.Runtime.Tests.Infrastructure;
using ActorEdge.Runtime.Tests.TestGrains;
using ActorEdge.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace ActorEdge.Runtime.Tests.Messaging;

/// <summary>What a silo does with a peer that breaks the protocol: it closes that connection, and only it.</summary>
public sealed class ConnectionTests : IAsyncLifetime
{
    private const int MaxMessageSize = 64 * 1024;
    private static readonly SiloAddress FakeSilo = new(new IPEndPoint(IPAddress.Loopback, 9), 1);
    private TestCluster _cluster = null!;

    private IPEndPoint Endpoint => _cluster.Silos[0].Address.Endpoint;

    private string ClusterId => _cluster.Silos[0].Services.GetRequiredService<ILocalSiloDetails>().ClusterId;

    public async ValueTask InitializeAsync() =>
        _cluster = await Clusters.StartAsync(1, b => b.ConfigureSilos(s => s.Configure<MessagingOptions>(o => o.MaxMessageSize = MaxMessageSize)));

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task AcceptAsync_GarbageInsteadOfHandshake_ClosesTheConnection()
    {
        await AssertClosedAfterAsync("GET / HTTP/1.1\r\nHost: silo\r\n\r\n"u8.ToArray());
    }

    [Fact]
    public async Task AcceptAsync_HandshakeDeclaringOversizedBody_ClosesTheConnection()
    {
        await AssertClosedAfterAsync([.. "AEDG"u8, Handshake.ProtocolVersion, 0xFF, 0xFF]);
    }

    [Fact]
    public async Task AcceptAsync_HandshakeOfAnotherCluster_ClosesTheConnection()
    {
        await AssertClosedAfterAsync(HandshakeTests.Bytes(new PeerIdentity(PeerRole.Client, "another-cluster", null, null, Guid.NewGuid())));
    }

    [Fact]
    public async Task AcceptAsync_HandshakeWithClientIdOfWrongLength_ClosesTheConnection()
    {
        byte[] body = [0x08, 0x02, 0x13, (byte)ClusterId.Length, .. System.Text.Encoding.UTF8.GetBytes(ClusterId), 0x2B, 0x03, 1, 2, 3];
        await AssertClosedAfterAsync([.. "AEDG"u8, Handshake.ProtocolVersion, (byte)body.Length, 0, .. body]);
    }

    [Fact]
    public async Task ReadLoop_FrameLengthAboveMaxMessageSize_ClosesTheConnection()
    {
        var prefix = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(prefix, MaxMessageSize + 1);
        await AssertClosedAfterAsync([.. ClientHandshake(), .. prefix]);
    }

    [Fact]
    public async Task ReadLoop_HeaderLengthBeyondFrame_ClosesTheConnection()
    {
        var frame = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), 1000);
        await AssertClosedAfterAsync([.. ClientHandshake(), .. frame]);
    }

    [Theory]
    [MemberData(nameof(MessageSerializerTests.MalformedHeaders), MemberType = typeof(MessageSerializerTests))]
    public async Task ReadLoop_MalformedHeaderFromClient_ClosesTheConnection(string what, byte[] header)
    {
        Assert.NotEmpty(what);
        await AssertClosedAfterAsync([.. ClientHandshake(), .. MessageSerializerTests.RawFrame(header)]);
    }

    [Theory]
    [MemberData(nameof(MessageSerializerTests.MalformedHeaders), MemberType = typeof(MessageSerializerTests))]
    public async Task ReadLoop_MalformedHeaderFromSilo_ClosesTheConnection(string what, byte[] header)
    {
        Assert.NotEmpty(what);
        await AssertClosedAfterAsync([.. SiloHandshake(), .. MessageSerializerTests.RawFrame(header)]);
    }

    [Theory]
    [InlineData((byte)MessageKind.Request)]
    [InlineData((byte)MessageKind.CacheInvalidation)]
    public async Task ReadLoop_GrainMessageWithoutTargetGrainFromSilo_ClosesTheConnection(byte kind)
    {
        await AssertClosedAfterAsync([.. SiloHandshake(), .. MessageSerializerTests.Frame(new Message { Kind = (MessageKind)kind, CorrelationId = 1, TargetSilo = _cluster.Silos[0].Address })]);
    }

    private byte[] ClientHandshake() => HandshakeTests.Bytes(new PeerIdentity(PeerRole.Client, ClusterId, null, null, Guid.NewGuid()));

    private byte[] SiloHandshake() => HandshakeTests.Bytes(new PeerIdentity(PeerRole.Silo, ClusterId, "intruder", FakeSilo, Guid.Empty));

    /// <summary>Sends <paramref name="bytes"/> on a raw connection, expects the silo to close it, then expects calls to keep working.</summary>
    private async Task AssertClosedAfterAsync(byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Endpoint);
        await socket.SendAsync(bytes);

        Assert.True(await ClosedByPeerAsync(socket), "the silo kept the connection open");

        var key = Clusters.NewKey();
        Assert.Equal(_cluster.Silos[0].Address.ToString(), (await _cluster.GrainFactory.GetGrain<IRandomProbeGrain>(key).Identify()).Silo);
    }

    /// <summary>Reads until the peer closes (end of stream or reset); false if it is still open at the bound.</summary>
    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
