using System.Diagnostics;
using System.Globalization;
using Vireo.Contracts;
using Vireo.Qemu;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// What must hold after vireod was killed with SIGKILL and started again (issue 18): the store answers and passes
/// SQLite's integrity check with no intent left in the operation journal; each VM has at most one QEMU and exactly
/// the VMs that vireod says run have one; no tap, bridge, dnsmasq or nftables table outlives what owns it; no
/// temporary or unrecorded file is left in the state directory or the pool. Each check reads the real thing
/// (/proc, ip, nft, the directory), not vireod's word for it.
/// </summary>
internal static class CrashCheck
{
    /// <summary>Counts of what was found, for the report.</summary>
    public sealed record Findings(int Vms, int Qemus, int Taps, int Dnsmasqs, int Volumes, List<string> Problems);

    /// <param name="mustRun">Names of VMs that ran before and must run still.</param>
    public static async Task<Findings> RunAsync(VireoHarness h, IReadOnlyCollection<string> mustRun)
    {
        var problems = new List<string>();
        using var client = h.Client();

        // The store answers, and is sound.
        var vms = await client.ListVmsAsync();
        var infos = new Dictionary<string, VmInfo>(StringComparer.Ordinal);
        foreach (var vm in vms)
            infos[vm.Name] = await client.GetVmAsync(vm.Name);
        var db = Path.Combine(h.StateDir, "vireo.db");
        var integrity = (await ProcessRunner.RunOkAsync("sqlite3", db, "PRAGMA integrity_check")).Stdout.Trim();
        if (integrity != "ok")
            problems.Add($"integrity_check: {integrity}");
        var intents = (await ProcessRunner.RunOkAsync("sqlite3", db, "SELECT kind || ' ' || target FROM operation_journal")).Stdout.Trim();
        if (intents.Length > 0)
            problems.Add($"intents left in the operation journal after the restart: {intents}");

        // Every QEMU of this state directory, by the uuid on its command line.
        var byUuid = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var pid in h.QemuPids())
        {
            var argv = LinuxProcess.TryReadCmdline(pid) ?? [];
            var i = argv.ToList().IndexOf("-uuid");
            var uuid = i >= 0 && i + 1 < argv.Count ? argv[i + 1] : "?";
            byUuid[uuid] = byUuid.GetValueOrDefault(uuid) + 1;
        }
        foreach (var (uuid, count) in byUuid)
        {
            if (count > 1)
                problems.Add($"{count} QEMU processes for uuid {uuid}");
            if (!vms.Any(v => string.Equals(v.Uuid, uuid, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"orphan QEMU for uuid {uuid}: no VM has it");
        }
        foreach (var vm in vms)
        {
            var runs = byUuid.ContainsKey(vm.Uuid);
            var says = vm.State is VmState.Running or VmState.Paused or VmState.ShuttingDown;
            if (runs != says)
                problems.Add($"VM {vm.Name} is {vm.State} but {(runs ? "a QEMU runs for it" : "no QEMU runs for it")}");
        }
        foreach (var name in mustRun)
        {
            if (vms.FirstOrDefault(v => v.Name == name) is not { } vm || !byUuid.ContainsKey(vm.Uuid))
                problems.Add($"VM {name} ran before the kill and does not now");
        }

        // Snapshots: the qcow2 disks hold exactly the snapshots the store lists (no unrecorded one hiding space).
        foreach (var vm in vms)
        {
            var recorded = (await client.ListSnapshotsAsync(vm.Name)).Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var disk in infos[vm.Name].Spec.Disks.Where(d => d.Device == "disk"))
            {
                var path = disk.Path ?? (disk.Volume is { } v ? Path.Combine(h.StateDir, "pools", v.Split('/')[0], v.Split('/')[1]) : null);
                if (path is null || !File.Exists(path) || !IsQcow2(path))
                    continue;
                var list = await ProcessRunner.RunAsync("qemu-img", ["snapshot", "-l", "-U", path]);
                var onDisk = list.Stdout.Split('\n').Skip(2).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => w.Length > 1).Select(w => w[1]).ToHashSet(StringComparer.Ordinal);
                foreach (var extra in onDisk.Except(recorded))
                    problems.Add($"disk {path} of VM {vm.Name} holds snapshot {extra}, which the store does not list");
            }
        }

        // Taps: exactly those of NICs whose VM has a QEMU (QEMU makes them; they vanish with it or a netdev_del).
        var links = await LinksAsync(h);
        var expectedTaps = new HashSet<string>(StringComparer.Ordinal);
        var networkList = await client.ListNetworksAsync();
        var masters = await MastersAsync(h);
        foreach (var vm in vms.Where(v => byUuid.ContainsKey(v.Uuid)))
        {
            foreach (var nic in infos[vm.Name].Spec.Nics.Where(n => n.Mac is not null && n.Network is not null))
            {
                var tap = "vt" + nic.Mac!.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
                expectedTaps.Add(tap);
                // A tap out of its bridge is a VM cut off its network.
                var bridge = networkList.FirstOrDefault(n => n.Name == nic.Network)?.Bridge;
                if (bridge is not null && links.Contains(tap) && masters.GetValueOrDefault(tap) != bridge)
                    problems.Add($"tap {tap} of VM {vm.Name} is not in bridge {bridge} (master: {masters.GetValueOrDefault(tap) ?? "none"})");
            }
        }
        var taps = links.Where(l => l.StartsWith("vt", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        foreach (var tap in taps.Except(expectedTaps))
            problems.Add($"orphan tap {tap}");
        foreach (var tap in expectedTaps.Except(taps))
            problems.Add($"missing tap {tap}");

        // Bridges and dnsmasq: those of active nat/isolated networks, no more.
        var networks = await client.ListNetworksAsync();
        var own = networks.Where(n => n.Mode != NetworkMode.Bridge && n.Bridge is not null).ToList();
        foreach (var n in own)
        {
            if (n.Active != links.Contains(n.Bridge!))
                problems.Add($"network {n.Name} is {(n.Active ? "active" : "inactive")} but its bridge {n.Bridge} {(links.Contains(n.Bridge!) ? "exists" : "is missing")}");
        }
        var dnsmasqs = DnsmasqPids(h);
        var active = own.Count(n => n.Active);
        if (dnsmasqs.Count != active)
            problems.Add($"{dnsmasqs.Count} dnsmasq processes for {active} active networks");

        // nftables: vireod's table exists only while a network needs it.
        var tables = h.Namespace is null ? "" : (await h.Namespace.ExecOkAsync("nft", "list", "tables")).Stdout;
        var vireoTables = tables.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("vireo", StringComparison.Ordinal));
        if (vireoTables > 1)
            problems.Add($"{vireoTables} vireo nftables tables: {tables}");
        // Its DNAT rules: exactly the recorded forwards of active nat networks (no rule outlives its row, none is missing).
        if (h.Namespace is not null && vireoTables == 1)
        {
            var ruleset = (await h.Namespace.ExecOkAsync("nft", "list", "table", "ip", "vireo")).Stdout;
            var rules = System.Text.RegularExpressions.Regex.Matches(ruleset, @"(tcp|udp) dport (\d+) dnat to")
                .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToHashSet(StringComparer.Ordinal);
            var activeNat = networks.Where(n => n.Active && n.Mode == NetworkMode.Nat).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
            var recorded = (await client.ListForwardsAsync()).Where(f => activeNat.Contains(f.Network))
                .Select(f => $"{f.Protocol.ToString().ToLowerInvariant()} {f.HostPort}").ToHashSet(StringComparer.Ordinal);
            foreach (var r in rules.Except(recorded))
                problems.Add($"orphan nft DNAT rule for {r}");
            foreach (var r in recorded.Except(rules))
                problems.Add($"forward {r} is recorded but has no nft rule");
        }

        // Files: no temporary or half-written file; the pool holds exactly the recorded volumes.
        foreach (var file in Directory.EnumerateFiles(h.StateDir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            var name = Path.GetFileName(file);
            if (name.Contains(".vireo-tmp-", StringComparison.Ordinal) || name.StartsWith(".vireo-tmp-", StringComparison.Ordinal)
                || name.Contains(".tmp-", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal))
                problems.Add($"temporary file left: {file}");
        }
        foreach (var d in Directory.EnumerateDirectories(h.StateDir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            var name = Path.GetFileName(d);
            if (name.StartsWith(".tmp-", StringComparison.Ordinal) || name.StartsWith(".cidata-", StringComparison.Ordinal))
                problems.Add($"unfinished directory left: {d}");
        }
        var volumes = await client.ListVolumesAsync("default");
        var pool = StorageKit.DefaultPool(h);
        if (Directory.Exists(pool))
        {
            var files = Directory.GetFiles(pool).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
            foreach (var f in files.Where(f => !volumes.Any(v => v.Name == f)))
                problems.Add($"unrecorded file in the pool: {f}");
            foreach (var v in volumes.Where(v => !files.Contains(v.Name)))
                problems.Add($"volume {v.Volume} has no file");
        }
        return new Findings(vms.Count, byUuid.Values.Sum(), taps.Count, dnsmasqs.Count, volumes.Count, problems);
    }

    private static bool IsQcow2(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(magic) == 4 && magic.SequenceEqual(new byte[] { 0x51, 0x46, 0x49, 0xfb });
    }

    /// <summary>Interface names in vireod's namespace.</summary>
    public static async Task<HashSet<string>> LinksAsync(VireoHarness h)
    {
        if (h.Namespace is null)
            return [];
        var text = (await h.Namespace.ExecOkAsync("ip", "-o", "link", "show")).Stdout;
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3)[1].Trim().Split('@')[0])
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Each enslaved interface's bridge, in vireod's namespace.</summary>
    private static async Task<Dictionary<string, string>> MastersAsync(VireoHarness h)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (h.Namespace is null)
            return result;
        foreach (var line in (await h.Namespace.ExecOkAsync("ip", "-o", "link", "show")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^\d+: ([^:@]+)[^ ]*: .* master (\S+)");
            if (m.Success)
                result[m.Groups[1].Value] = m.Groups[2].Value;
        }
        return result;
    }

    /// <summary>dnsmasq processes started for this state directory (found by their config path on the command line).</summary>
    public static List<int> DnsmasqPids(VireoHarness h)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            var argv = LinuxProcess.TryReadCmdline(pid) ?? [];
            if (argv.Count > 0 && Path.GetFileName(argv[0]) == "dnsmasq" && argv.Any(a => a.Contains(h.StateDir, StringComparison.Ordinal))
                && LinuxProcess.TryReadStat(pid) is { HasExited: false })
                pids.Add(pid);
        }
        return pids;
    }

    /// <summary>Runs <paramref name="args"/> on a vireod armed to die at <paramref name="point"/>; returns once it is dead.</summary>
    public static async Task<CommandResult> RunUntilKilledAsync(VireoHarness h, string point, params string[] args)
    {
        var pid = h.DaemonPid ?? throw new InvalidOperationException("no daemon");
        var result = await h.Vireo(args);
        var clock = Stopwatch.StartNew();
        while (LinuxProcess.TryReadStat(pid) is { HasExited: false } && clock.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(50);
        if (LinuxProcess.TryReadStat(pid) is { HasExited: false })
            throw new Xunit.Sdk.XunitException($"vireod did not die at {point} (vireo {string.Join(' ', args)}: {result})\n{h.DaemonLog}");
        return result;
    }
}
