using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorEdge.Redis.Testing;

/// <summary>Which server a test runs against.</summary>
public enum RedisServerKind
{
    Redis,
    Garnet,
}

/// <summary>
/// A real redis-server (or Garnet) process on a free loopback port, with its files in a temporary
/// folder; killed and the folder deleted on dispose. Can be killed and restarted on the same port.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly SemaphoreSlim GarnetInstall = new(1, 1);
    private readonly string[] _extraArgs;
    private Process? _process;
    private readonly StringBuilder _output = new();

    private RedisServerProcess(RedisServerKind kind, string binary, string[] extraArgs)
    {
        Kind = kind;
        Binary = binary;
        _extraArgs = extraArgs;
        Directory = Path.Combine(Path.GetTempPath(), $"actoredge-{kind.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
        Port = FreePort();
    }

    public RedisServerKind Kind { get; }

    public string Binary { get; }

    public string Directory { get; }

    public int Port { get; }

    public RedisClientOptions ClientOptions() => new() { Host = "127.0.0.1", Port = Port };

    /// <summary>Starts redis-server with extra config arguments (such as "--appendonly", "yes").</summary>
    public static Task<RedisServerProcess> StartRedisAsync(params string[] extraArgs) => StartAsync(RedisServerKind.Redis, extraArgs);

    public static async Task<RedisServerProcess> StartAsync(RedisServerKind kind, params string[] extraArgs)
    {
        var binary = kind == RedisServerKind.Redis ? FindRedis() : await FindOrInstallGarnetAsync();
        var server = new RedisServerProcess(kind, binary, extraArgs);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server is not running.");
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        _process = null;
    }

    /// <summary>Starts the server again on the same port and folder (after <see cref="KillAsync"/>).</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>Runs redis-cli against this server and returns its standard output (raw bytes).</summary>
    public async Task<byte[]> CliRawAsync(params string[] args)
    {
        var info = new ProcessStartInfo(FindOnPath("redis-cli") ?? throw new InvalidOperationException("redis-cli is not installed: apt-get install -y redis-tools (or redis-server)."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-h", "127.0.0.1", "-p", Port.ToString(), .. args])
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        await copy;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed ({process.ExitCode}): {await error}");
        }
        return output.ToArray();
    }

    /// <summary>Runs redis-cli and returns its output as text, without the trailing newline.</summary>
    public async Task<string> CliAsync(params string[] args) => Encoding.UTF8.GetString(await CliRawAsync(args)).TrimEnd('\n');

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        string[] args = Kind == RedisServerKind.Redis
            ? ["--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--save", "", "--daemonize", "no", "--protected-mode", "no", "--logfile", ""]
            : ["--port", Port.ToString(), "--bind", "127.0.0.1", "--lua", "--memory", "256m", "--index", "1m", "--checkpointdir", Directory];
        foreach (var arg in args.Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Binary}.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(process);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    // Ready when PING answers PONG (Redis answers -LOADING while it replays its AOF).
    private async Task WaitUntilReadyAsync(Process process)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                break;
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray());
                var buffer = new byte[64];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (Encoding.ASCII.GetString(buffer, 0, read) == "+PONG\r\n")
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
            }
            await Task.Delay(50);
        }
        string output;
        lock (_output)
        {
            output = _output.ToString();
        }
        throw new InvalidOperationException($"{Binary} did not become ready on port {Port} (exited: {process.HasExited}). Output:\n{output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRedis() =>
        FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed, and these tests start a real one. Install it with: sudo apt-get install -y redis-server (./test.sh does this).");

    // Garnet ships as a .NET tool: use GARNET_SERVER or one on PATH, else install it once into the temp folder.
    private static async Task<string> FindOrInstallGarnetAsync()
    {
        if (Environment.GetEnvironmentVariable("GARNET_SERVER") is { Length: > 0 } configured)
        {
            return configured;
        }
        var onPath = FindOnPath("garnet-server");
        if (onPath is not null)
        {
            return onPath;
        }
        var toolPath = Path.Combine(Path.GetTempPath(), "actoredge-tools", "garnet");
        var binary = Path.Combine(toolPath, "garnet-server");
        await GarnetInstall.WaitAsync();
        // Test projects run in parallel processes: a lock file keeps a second install from failing
        // on the half-made tool folder of the first ("already exists").
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(toolPath)!);
        await using var installLock = await LockAsync(toolPath + ".lock");
        try
        {
            if (File.Exists(binary))
            {
                return binary;
            }
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["tool", "install", "--tool-path", toolPath, "garnet-server"])
            {
                info.ArgumentList.Add(arg);
            }
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0 || !File.Exists(binary))
            {
                throw new InvalidOperationException(
                    $"Garnet is not installed and could not be installed ({await stdout} {await stderr}). Install it with: dotnet tool install --tool-path {toolPath} garnet-server, or set GARNET_SERVER to its path.");
            }
            return binary;
        }
        finally
        {
            GarnetInstall.Release();
        }
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 1800)
            {
                // Another process installs: wait (an install takes well under the 3 minutes allowed).
                await Task.Delay(100);
            }
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
