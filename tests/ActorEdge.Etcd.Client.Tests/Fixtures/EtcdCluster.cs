using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorEdge.Etcd.Testing;

/// <summary>
/// Real etcd processes on free loopback ports in a temporary folder: one member or a cluster.
/// Members can be killed and restarted on the same data and ports. Shared by the etcd test projects.
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private readonly string _root;

    private EtcdCluster(string root, IReadOnlyList<EtcdMemberProcess> members)
    {
        _root = root;
        Members = members;
    }

    public IReadOnlyList<EtcdMemberProcess> Members { get; }

    /// <summary>
    /// Where members keep their data. Tests use tmpfs (/dev/shm, where there is one): nothing there
    /// waits for a disk. The thesis benchmark sets the temp directory instead, on the disk its
    /// other durable stores (NodeLocal files, CRDT journals) use, so etcd's fsyncs cost what they do.
    /// </summary>
    public static string DataParent { get; set; } = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    public IReadOnlyList<Uri> ClientUrls => Members.Select(m => m.ClientUrl).ToArray();

    /// <summary>The member named <paramref name="name"/>.</summary>
    public EtcdMemberProcess this[string name] => Members.Single(m => m.Name == name);

    /// <summary>Starts <paramref name="size"/> members and waits until they have elected a leader.</summary>
    public static Task<EtcdCluster> StartAsync(int size = 1, params string[] extraArguments) =>
        StartAsync(Enumerable.Range(0, size).Select(i => $"m{i}").ToArray(), extraArguments);

    /// <summary>Starts one member per name (edge node names, say) and waits until they have elected a leader.</summary>
    public static async Task<EtcdCluster> StartAsync(string[] names, params string[] extraArguments)
    {
        var size = names.Length;
        var binary = FindBinary("etcd");
        var root = Path.Combine(DataParent, $"actoredge-etcd-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48]);
        Directory.CreateDirectory(root);
        var ports = FreePorts(size * 2);
        var members = new List<EtcdMemberProcess>();
        for (var i = 0; i < size; i++)
        {
            members.Add(new EtcdMemberProcess(binary, names[i], Path.Combine(root, $"m{i}"), ports[2 * i], ports[2 * i + 1]));
        }
        var initialCluster = string.Join(",", members.Select(m => $"{m.Name}={m.PeerUrl.ToString().TrimEnd('/')}"));
        var token = Guid.NewGuid().ToString("N");
        foreach (var member in members)
        {
            member.Arguments =
            [
                "--name", member.Name, "--data-dir", member.DataDir,
                "--listen-client-urls", member.ClientUrl.ToString().TrimEnd('/'), "--advertise-client-urls", member.ClientUrl.ToString().TrimEnd('/'),
                "--listen-peer-urls", member.PeerUrl.ToString().TrimEnd('/'), "--initial-advertise-peer-urls", member.PeerUrl.ToString().TrimEnd('/'),
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", token,
                "--heartbeat-interval", "50", "--election-timeout", "500",
                "--logger", "zap", "--log-level", "error", "--log-outputs", "stderr",
                .. extraArguments,
            ];
            member.Start();
        }
        var cluster = new EtcdCluster(root, members);
        try
        {
            await cluster.WaitForLeaderAsync().ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return cluster;
    }

    /// <summary>A client for every member (or for the given ones), with a short deadline.</summary>
    public EtcdClient CreateClient(Action<EtcdClientOptions>? configure = null, params EtcdMemberProcess[] only)
    {
        var options = new EtcdClientOptions { RequestTimeout = TimeSpan.FromSeconds(10) };
        foreach (var member in only.Length == 0 ? Members : only)
        {
            options.Endpoints.Add(member.ClientUrl);
        }
        configure?.Invoke(options);
        return new EtcdClient(options);
    }

    /// <summary>Runs etcdctl (API v3) against the members; returns its standard output, or throws with its error output.</summary>
    public async Task<string> EtcdctlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(FindBinary("etcdctl"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["ETCDCTL_API"] = "3";
        info.ArgumentList.Add("--endpoints=" + string.Join(",", Members.Where(m => m.IsRunning).Select(m => m.ClientUrl.ToString().TrimEnd('/'))));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"etcdctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}");
        }
        return await output.ConfigureAwait(false);
    }

    /// <summary>Waits (bounded) until every running member reports the same leader, and returns that member.</summary>
    public async Task<EtcdMemberProcess> WaitForLeaderAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        await using var client = new EtcdClient(new EtcdClientOptions { RequestTimeout = TimeSpan.FromSeconds(2), RouteToLeader = false });
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var leaders = new HashSet<ulong>();
                var ids = new Dictionary<EtcdMemberProcess, ulong>();
                foreach (var member in Members.Where(m => m.IsRunning))
                {
                    await using var one = new EtcdClient(new EtcdClientOptions { Endpoints = { member.ClientUrl }, RequestTimeout = TimeSpan.FromSeconds(2) });
                    var status = await one.StatusAsync().ConfigureAwait(false);
                    leaders.Add(status.Leader);
                    ids[member] = status.MemberId;
                }
                if (leaders.Count == 1 && leaders.Single() != 0 && ids.FirstOrDefault(p => p.Value == leaders.Single()).Key is { } leader)
                {
                    foreach (var (member, id) in ids)
                    {
                        member.MemberId = id;
                    }
                    return leader;
                }
                last = $"leaders seen: {string.Join(",", leaders)}";
            }
            catch (EtcdException e)
            {
                last = e.Message;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
        throw new TimeoutException($"etcd did not elect a leader in time ({last}). Output: {string.Join(" | ", Members.Select(m => m.Output))}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            await member.KillAsync().ConfigureAwait(false);
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static string FindBinary(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException(
            $"'{name}' is not installed: these tests run a real etcd. Install it with `sudo apt-get install -y etcd-server etcd-client` (./test.sh does this when run as root).");
    }

    private static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}

/// <summary>One etcd member process.</summary>
public sealed class EtcdMemberProcess
{
    private readonly string _binary;
    private readonly Queue<string> _output = new();
    private Process? _process;

    internal EtcdMemberProcess(string binary, string name, string dataDir, int clientPort, int peerPort)
    {
        _binary = binary;
        Name = name;
        DataDir = dataDir;
        ClientUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{clientPort}"));
        PeerUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{peerPort}"));
    }

    public string Name { get; }

    public string DataDir { get; }

    public Uri ClientUrl { get; }

    public Uri PeerUrl { get; }

    /// <summary>The member id, known once the cluster elected a leader.</summary>
    public ulong MemberId { get; internal set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines etcd wrote, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return $"{Name}: {string.Join(" / ", _output)}";
            }
        }
    }

    internal string[] Arguments { get; set; } = [];

    internal void Start()
    {
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
    }

    /// <summary>Kills the member abruptly (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts the member again on its data and ports.</summary>
    public void Restart()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is running.");
        }
        Start();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 20)
            {
                _output.Dequeue();
            }
        }
    }
}
