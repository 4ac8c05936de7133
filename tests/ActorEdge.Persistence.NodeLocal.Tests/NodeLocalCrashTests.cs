using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ActorEdge.Persistence.NodeLocal;

/// <summary>
/// A separate process (tests/ActorEdge.Persistence.NodeLocal.CrashWriter) writes a stream of
/// states from 4 concurrent writers and is killed with SIGKILL in the middle of it; then every
/// acknowledged write must be readable (or its successor, which was in flight), and no record
/// may be corrupt. A SIGKILL does not lose the page cache, so this checks the rename protocol
/// (no torn or half-renamed record), not what a power cut would lose.
/// </summary>
public sealed class NodeLocalCrashTests : IDisposable
{
    private const int Writers = 4;
    private const int GrainsPerWriter = 3;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Sigkill_DuringAStreamOfWrites_EveryAcknowledgedVersionIsReadableAndNoRecordIsCorrupt()
    {
        var acknowledged = new Dictionary<string, (string Etag, int Count)>(StringComparer.Ordinal);
        var totalAcks = 0;
        // Three crashes at different points; each run continues from what the previous left.
        foreach (var killAfter in new[] { 60, 97, 151 })
        {
            totalAcks += await RunAndKillAsync(killAfter, acknowledged);
            await VerifyAsync(acknowledged);
        }
        Assert.True(totalAcks >= 60 + 97 + 151, $"{totalAcks} acknowledged writes");
    }

    private async Task<int> RunAndKillAsync(int killAfter, Dictionary<string, (string Etag, int Count)> acknowledged)
    {
        var helper = Path.Combine(AppContext.BaseDirectory, "ActorEdge.Persistence.NodeLocal.CrashWriter.dll");
        Assert.True(File.Exists(helper), $"The crash writer is missing at {helper}: build tests/ActorEdge.Persistence.NodeLocal.Tests.");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { helper, _directory.Path, Writers.ToString(System.Globalization.CultureInfo.InvariantCulture), GrainsPerWriter.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var acks = 0;
        var killed = false;
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
                if (line is null)
                {
                    break; // end of output: the process is gone (killed below, or failed)
                }
                if (!line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    continue;
                }
                // Every line read was printed after its write returned: it is acknowledged, even after the kill.
                var parts = line.Split(' ');
                acknowledged[parts[1]] = (parts[2], int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture));
                if (++acks == killAfter)
                {
                    process.Kill(); // SIGKILL on Unix
                    killed = true;
                }
            }
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        Assert.True(killed, $"The crash writer exited after {acks} writes before it was killed: {await errors}");
        Assert.Equal(137, process.ExitCode); // 128 + SIGKILL
        return acks;
    }

    private async Task VerifyAsync(Dictionary<string, (string Etag, int Count)> acknowledged)
    {
        using var storage = new NodeLocalGrainStorage("verify", "svc", _directory.Path, new NodeLocalStorageOptions(), NullLogger<NodeLocalGrainStorage>.Instance);
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.tmp", SearchOption.AllDirectories));
        var records = 0;
        for (var w = 0; w < Writers; w++)
        {
            for (var g = 0; g < GrainsPerWriter; g++)
            {
                var grain = CrashState.GrainOf(w, g);
                var read = new GrainState<CrashState>(new CrashState());
                await storage.ReadStateAsync("s", grain, read, TestContext.Current.CancellationToken);
                // A writer killed early may not have had a write of this grain acknowledged yet.
                var (etag, count) = acknowledged.TryGetValue(grain.Key, out var ack) ? ack : ("0", 0);
                var version = long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);
                var stored = read.RecordExists ? long.Parse(read.ETag!, System.Globalization.CultureInfo.InvariantCulture) : 0;

                // The acknowledged version, or the one write per grain that was in flight at the kill.
                Assert.True(stored == version || stored == version + 1, $"{grain}: stored version {stored}, acknowledged {version}");
                Assert.Equal(count + (stored - version), read.State.Count);
                if (read.RecordExists)
                {
                    Assert.Equal(CrashState.For(read.State.Count).Blob, read.State.Blob);
                    records++;
                    acknowledged[grain.Key] = (read.ETag!, read.State.Count);
                }
            }
        }
        Assert.Equal(records, Directory.GetFiles(_directory.Path, "*.rec", SearchOption.AllDirectories).Length);
    }
}
