using System.Globalization;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// A network namespace a test created. Disposal ends the processes running inside it (found by their
/// /proc/PID/ns/net, by PID: only programs this test started live there), then deletes it, which takes its links,
/// bridges and nftables tables with it.
/// </summary>
internal sealed class NetNamespace : IAsyncDisposable
{
    private NetNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Per-namespace /etc files that <c>ip netns exec</c> bind-mounts (resolv.conf).</summary>
    public string EtcDir => $"/etc/netns/{Name}";

    public static async Task<NetNamespace> CreateAsync(string name)
    {
        await RunIp("netns", "add", name);
        var ns = new NetNamespace(name);
        await ns.Ip("link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs <c>ip -n NAME ARGS</c> and fails the test on an error.</summary>
    public Task Ip(params string[] args) => RunIp(["-n", Name, .. args]);

    /// <summary>Runs a program inside the namespace.</summary>
    public Task<CommandResult> ExecAsync(string file, params string[] args) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Name, file, .. args], timeout: TimeSpan.FromSeconds(60));

    public async Task<CommandResult> ExecOkAsync(string file, params string[] args)
    {
        var result = await ExecAsync(file, args);
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"[{Name}] {file} {string.Join(' ', args)} failed: {result}");
        return result;
    }

    public void WriteResolvConf(string nameserver)
    {
        Directory.CreateDirectory(EtcDir);
        File.WriteAllText(Path.Combine(EtcDir, "resolv.conf"), $"nameserver {nameserver}\n");
    }

    private static async Task RunIp(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("ip", args, timeout: TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"ip {string.Join(' ', args)} failed: {result}");
    }

    /// <summary>PIDs of the processes whose network namespace is this one.</summary>
    public IReadOnlyList<int> Pids()
    {
        var target = $"/run/netns/{Name}";
        if (!File.Exists(target))
            return [];
        var inode = Inode(target);
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                var link = new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget;
                if (link == $"net:[{inode}]")
                    pids.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    private static ulong Inode(string path)
    {
        var result = ProcessRunner.RunAsync("stat", ["-L", "-c", "%i", path]).GetAwaiter().GetResult();
        return ulong.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        for (var round = 0; round < 3; round++)
        {
            var pids = Pids();
            if (pids.Count == 0)
                break;
            foreach (var pid in pids)
                VireoHarness.Signal(pid, Vireo.Qemu.UnixSignal.Kill);
            await Task.Delay(200);
        }
        await ProcessRunner.RunAsync("ip", ["netns", "delete", Name], timeout: TimeSpan.FromSeconds(30));
        try
        {
            if (Directory.Exists(EtcDir))
                Directory.Delete(EtcDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
