using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ActorEdge.Testbed;

/// <summary>One ActorEdge.Silo process of the local testbed, its output going to a log file.</summary>
internal sealed partial class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private SiloProcess(string nodeName, int port, Process process, StreamWriter log)
    {
        NodeName = nodeName;
        Port = port;
        _process = process;
        _log = log;
    }

    public string NodeName { get; }

    public int Port { get; }

    public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);

    public bool HasExited => _process.HasExited;

    public static SiloProcess Start(string nodeName, int port, IPEndPoint? primary, string clusterId, string logDirectory)
    {
        var siloDll = Path.Combine(AppContext.BaseDirectory, "ActorEdge.Silo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(siloDll);
        start.ArgumentList.Add($"--ActorEdge:Port={port}");
        start.ArgumentList.Add($"--ActorEdge:NodeName={nodeName}");
        start.ArgumentList.Add($"--ActorEdge:ClusterId={clusterId}");
        // Each node's Reactive state in this run's folder, so a run never sees another's records.
        start.ArgumentList.Add($"--ActorEdge:NodeLocalRoot={NodeLocalRoot(logDirectory, nodeName)}");
        if (primary is not null)
        {
            start.ArgumentList.Add($"--ActorEdge:PrimaryEndpoint={primary}");
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var log = new StreamWriter(Path.Combine(logDirectory, $"{nodeName}.log")) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo process.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(nodeName, port, process, log);
    }

    /// <summary>Where the silo of <paramref name="nodeName"/> keeps its NodeLocal (Reactive) state.</summary>
    public static string NodeLocalRoot(string logDirectory, string nodeName) => Path.Combine(logDirectory, "nodelocal", nodeName);

    /// <summary>Waits until the silo accepts connections.</summary>
    public async Task WaitListeningAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Silo {NodeName} exited with code {_process.ExitCode}; see its log.");
            }
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(Endpoint);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Crashes the silo (SIGKILL): no deactivation, no goodbye.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Stops the silo gracefully (SIGTERM) and waits for it.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }
        _ = SendSignal(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
