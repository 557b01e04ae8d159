using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Integration.Tests;

/// <summary>
/// The layer under live memory and vCPU changes, on a real tiny guest through an engine in this process: a VM with
/// memory below max_memory and vcpus below max_vcpus boots held to its memory by the balloon, and vCPUs plugged
/// into its empty slots come online in the guest, also after the engine was restarted and re-attached.
/// </summary>
public sealed partial class LiveResizeTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task A_vm_boots_held_to_its_memory_by_the_balloon_and_plugged_vcpus_come_online()
    {
        TinyImage.EnsureBuilt();
        // Short: the VM's socket paths must fit in sockaddr_un.
        var dir = Directory.CreateTempSubdirectory("vlr-").FullName;
        // QEMU runs as its VM's uid (docs/security.md): it must be able to walk into the state directory.
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var options = new EngineOptions
        {
            StateDir = Path.Combine(dir, "state"),
            ImageDir = Repo.ImageDir,
            Autostart = false,
            CreateDefaultNetwork = false,
        };
        var engine = await VmEngine.OpenAsync(options, NullLogger.Instance, CancellationToken.None);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var ct = cts.Token;
            await engine.DefineAsync("""
                name: elastic
                image: tiny
                memory: 256
                max_memory: 512
                vcpus: 1
                max_vcpus: 2
                nics: []
                graphics: {type: none}
                """, ct);
            await engine.StartAsync("elastic", ct);
            var log = engine.SerialLogPath("elastic");
            await WaitForAsync(log, "VIREO-GUEST-READY", ct);

            // QEMU has all of max_memory; the balloon, set before the guest ran, leaves it memory.
            var session = engine.LiveSession("elastic") ?? throw new Xunit.Sdk.XunitException("no live session");
            VmStats stats;
            var settle = System.Diagnostics.Stopwatch.StartNew();
            do
            {
                stats = await engine.StatsAsync("elastic", ct);
                if (stats.Memory!.BalloonActualBytes <= 256 * MiB)
                    break;
                await Task.Delay(100, ct);
            }
            while (settle.Elapsed < TimeSpan.FromSeconds(20));
            Assert.Equal(256 * MiB, stats.Memory!.BalloonActualBytes);
            Assert.Equal(256 * MiB, stats.Memory.ActualBytes);
            Assert.Equal(256 * MiB, stats.Memory.ConfiguredBytes);
            Assert.Contains("-m 512M", string.Join(' ', Cmdline(stats.Pid!.Value)));
            Assert.Contains("-smp 1,maxcpus=2", string.Join(' ', Cmdline(stats.Pid.Value)));

            // One vCPU present, one empty slot: asking for 3 is refused and changes nothing.
            Assert.Equal(1, await session.PresentVcpusAsync(ct));
            var tooMany = await Assert.ThrowsAsync<InvalidInputException>(() => session.PlugVcpusAsync(3, ct));
            Assert.Contains("room for 2", tooMany.Message);
            Assert.NotNull(tooMany.Hint);
            Assert.Equal(1, await session.PresentVcpusAsync(ct));

            var plugged = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(2, await session.PlugVcpusAsync(2, ct));
            Assert.Equal(2, await session.PresentVcpusAsync(ct));
            Assert.Equal(2, await session.PlugVcpusAsync(2, ct));
            Assert.Equal(2, (await engine.StatsAsync("elastic", ct)).Cpu!.Vcpus.Count);

            // The guest onlines it (the tiny guest's cpu-hotplug helper); asked over the serial console.
            var console = new StatePaths(options.StateDir).ForVm(engine.Get("elastic").Uuid).ConsoleSocket;
            Assert.Equal("0-1", await GuestCpusOnlineAsync(console, log, "0-1", "A", ct));
            Assert.True(plugged.Elapsed < TimeSpan.FromSeconds(15), $"online after {plugged.Elapsed}");

            // The daemon restarts: the balloon target stayed in QEMU, and what is plugged is read from QEMU.
            await engine.DisposeAsync();
            engine = await VmEngine.OpenAsync(options, NullLogger.Instance, CancellationToken.None);
            session = engine.LiveSession("elastic") ?? throw new Xunit.Sdk.XunitException("not re-attached");
            Assert.Equal(256 * MiB, (await engine.StatsAsync("elastic", ct)).Memory!.BalloonActualBytes);
            Assert.Equal(2, await session.PlugVcpusAsync(2, ct));
            var slots = await session.ExecuteAsync(Vireo.Qmp.QmpCommands.QueryHotpluggableCpus(), ct);
            Assert.Equal("vcpu1", Assert.Single(slots, s => s.DeviceId is not null).DeviceId);

            // Given back: the balloon lets the guest have all of max_memory again.
            await session.SetBalloonTargetAsync(512, ct);
            settle.Restart();
            do
            {
                stats = await engine.StatsAsync("elastic", ct);
                if (stats.Memory!.BalloonActualBytes >= 512 * MiB)
                    break;
                await Task.Delay(100, ct);
            }
            while (settle.Elapsed < TimeSpan.FromSeconds(20));
            Assert.Equal(512 * MiB, stats.Memory!.BalloonActualBytes);

            await engine.DestroyAsync("elastic", ct);
        }
        finally
        {
            await CleanUpAsync(engine, dir);
        }
    }

    [Fact]
    public async Task Hot_plugged_vcpu_ids_follow_from_what_qemu_has_so_a_reattached_session_does_not_reuse_one()
    {
        // No guest: QEMU stays in prelaunch (-S), where CPUs plug as they do into a running one. Three slots, which
        // a spec on a 2-CPU host could not ask for, so that a vCPU is plugged before and one after the re-attach.
        var dir = Directory.CreateTempSubdirectory("vlr-").FullName;
        // QEMU runs as its VM's uid (docs/security.md): it must be able to walk into the state directory.
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var uuid = Guid.NewGuid();
        var paths = new StatePaths(dir).ForVm(uuid.ToString("D"));
        Directory.CreateDirectory(paths.Dir);
        QemuSession? session = null;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var argv = QemuCommandLine.Build(new QemuVmConfig
            {
                Name = "slots",
                Uuid = uuid,
                Vcpus = 1,
                MaxVcpus = 3,
                MemoryMiB = 64,
                TcgTranslationCacheMiB = 16,
                QmpSocketPath = paths.QmpSocket,
                PidFilePath = paths.PidFile,
            });
            var emulator = QemuBinary.Locate() ?? throw new InvalidOperationException("qemu-system-x86_64 not found");
            session = await QemuSession.LaunchAsync(emulator, argv, paths, uuid.ToString("D"), null, cts.Token);
            Assert.Equal(2, await session.PlugVcpusAsync(2, cts.Token));
            var ticks = session.StartTicks;
            await session.DetachAsync();

            session = await QemuSession.TryAttachAsync(paths, uuid.ToString("D"), ticks, null, cts.Token)
                ?? throw new Xunit.Sdk.XunitException("QEMU not found again");
            Assert.Equal(2, await session.PresentVcpusAsync(cts.Token));
            Assert.Equal(3, await session.PlugVcpusAsync(3, cts.Token));
            var slots = await session.ExecuteAsync(Vireo.Qmp.QmpCommands.QueryHotpluggableCpus(), cts.Token);
            Assert.Equal(["vcpu1", "vcpu2"], slots.Select(s => s.DeviceId).OfType<string>().Order());
            Assert.Equal(3, await session.PresentVcpusAsync(cts.Token));
        }
        finally
        {
            if (session is not null)
                await session.KillAndDisposeAsync();
            foreach (var pid in QemuPidsUnder(dir))
                if (LinuxProcess.TryReadStat(pid) is { } stat)
                    LinuxProcess.Signal(pid, stat.StartTime, UnixSignal.Kill);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Asks the guest for /sys/devices/system/cpu/online until it reads <paramref name="expected"/> (or 20 tries).</summary>
    private static async Task<string> GuestCpusOnlineAsync(string console, string log, string expected, string tag, CancellationToken ct)
    {
        var online = "";
        for (var i = 0; i < 20 && online != expected; i++)
        {
            var marker = $"CPUS{tag}{i}=";
            await SerialConsole.SendAsync(console, $"echo {marker}$(cat /sys/devices/system/cpu/online)\n");
            // The echoed command line has "$(cat" after the marker; the answer has digits.
            online = await WaitForAsync(log, marker + @"([0-9][0-9,-]*)", ct);
        }
        return online;
    }

    private static IReadOnlyList<string> Cmdline(int pid) => Vireo.Qemu.LinuxProcess.TryReadCmdline(pid) ?? [];

    /// <summary>Waits until the serial log matches <paramref name="pattern"/>; returns its first group, or the match.</summary>
    private static async Task<string> WaitForAsync(string log, string pattern, CancellationToken ct)
    {
        var regex = new Regex(pattern);
        while (true)
        {
            var content = File.Exists(log) ? await File.ReadAllTextAsync(log, ct) : "";
            if (regex.Match(content) is { Success: true } m)
                return m.Groups.Count > 1 ? m.Groups[1].Value : m.Value;
            if (ct.IsCancellationRequested)
                throw new TimeoutException($"\"{pattern}\" did not appear on the serial console; log:\n{content}");
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>Ends any QEMU of this state directory (by PID), then the engine, then the directory.</summary>
    private static async Task CleanUpAsync(VmEngine engine, string dir)
    {
        foreach (var pid in QemuPidsUnder(dir))
            if (LinuxProcess.TryReadStat(pid) is { } stat)
                LinuxProcess.Signal(pid, stat.StartTime, UnixSignal.Kill);
        for (var i = 0; i < 50 && QemuPidsUnder(dir).Count > 0; i++)
            await Task.Delay(100);
        await engine.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    private static List<int> QemuPidsUnder(string dir)
    {
        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
                continue;
            var argv = LinuxProcess.TryReadCmdline(pid) ?? [];
            if (argv.Count > 0 && Path.GetFileName(argv[0]).StartsWith("qemu-system", StringComparison.Ordinal)
                && argv.Any(a => a.Contains(dir, StringComparison.Ordinal))
                && LinuxProcess.TryReadStat(pid) is { HasExited: false })
                pids.Add(pid);
        }
        return pids;
    }
}
