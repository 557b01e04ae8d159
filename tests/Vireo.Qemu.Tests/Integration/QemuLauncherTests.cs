using System.Diagnostics;
using Vireo.Qemu.Model;
using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

/// <summary>Real QEMU under TCG, in a session of its own; every process is killed by PID and every temp dir removed.</summary>
[Trait("Category", "Integration")]
public sealed class QemuLauncherTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        _cts.Dispose();
        _dir.Dispose();
    }

    private CancellationToken Ct => _cts.Token;

    private QemuVmConfig Config(string sub = "vm") => new()
    {
        Name = sub,
        Uuid = Guid.NewGuid(),
        MemoryMiB = 64,
        TcgTranslationCacheMiB = 32,
        QmpSocketPath = Path.Combine(_dir.Sub(sub), "qmp.sock"),
        PidFilePath = Path.Combine(_dir.Sub(sub), "qemu.pid"),
        SerialConsole = new SerialConsoleConfig(Path.Combine(_dir.Sub(sub), "console.sock"), Path.Combine(_dir.Sub(sub), "console.log")),
    };

    [Fact]
    public async Task Launched_qemu_is_recognised_by_pidfile_and_uuid_and_quits_over_qmp()
    {
        await using var qemus = new QemuProcesses();
        var config = Config();
        var handle = await qemus.LaunchAsync(config, Ct);

        Assert.True(handle.IsAlive);
        Assert.Equal(config.Uuid, handle.Uuid);
        Assert.Equal(handle.Pid, QemuProcessHandle.ReadPidFile(config.PidFilePath));
        var cmdline = LinuxProcess.TryReadCmdline(handle.Pid)!;
        Assert.Equal(config.Uuid.ToString("D"), cmdline[cmdline.ToList().IndexOf("-uuid") + 1]);
        Assert.NotNull(QemuProcessHandle.TryAttach(config.PidFilePath, config.Uuid));
        Assert.Null(QemuProcessHandle.TryAttach(config.PidFilePath, Guid.NewGuid()));
        Assert.True(File.Exists(config.SerialConsole!.LogFilePath));
        Assert.NotNull(handle.LaunchDuration);

        await using (var qmp = await RawQmp.ConnectAsync(config.QmpSocketPath, Ct))
        {
            // The probed version of this host's QEMU (7 on Debian 12, 10 on Debian 13), not a pinned one.
            var probed = (await QemuProbe.ProbeAsync(TestPaths.Emulator, Ct)).Version;
            Assert.Equal(probed.Major, qmp.Greeting["QMP"]!["version"]!["qemu"]!["major"]!.GetValue<int>());
            Assert.Equal(probed.Minor, qmp.Greeting["QMP"]!["version"]!["qemu"]!["minor"]!.GetValue<int>());
            var status = await qmp.ExecuteAsync("""{"execute":"query-status"}""", Ct);
            Assert.Equal("prelaunch", status["return"]!["status"]!.GetValue<string>());
            await qmp.ExecuteAsync("""{"execute":"quit"}""", Ct);
        }
        Assert.True(await handle.WaitForExitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.False(handle.IsAlive);
        Assert.Null(QemuProcessHandle.TryAttach(config.PidFilePath, config.Uuid));
    }

    [Fact]
    public async Task Launched_qemu_is_not_our_child_and_leads_its_own_session()
    {
        await using var qemus = new QemuProcesses();
        var handle = await qemus.LaunchAsync(Config(), Ct);
        var stat = LinuxProcess.TryReadStat(handle.Pid)!.Value;
        var me = LinuxProcess.TryReadStat(Environment.ProcessId)!.Value;

        // The process we started has already exited; setsid --fork makes it a grandchild reparented away
        // from us, in the session its intermediate child created with setsid(): neither our exit nor a signal
        // to our session or process group reaches it.
        Assert.NotEqual(Environment.ProcessId, stat.ParentPid);
        Assert.NotEqual(me.SessionId, stat.SessionId);
        Assert.NotEqual(Environment.ProcessId, stat.SessionId);
        Assert.True(handle.IsAlive);

        Assert.True(handle.Kill(UnixSignal.Term));
        Assert.True(await handle.WaitForExitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.False(handle.Kill(UnixSignal.Term));
    }

    [Fact]
    public async Task Missing_kernel_fails_with_qemus_message_and_leaves_no_process_or_pidfile()
    {
        var config = Config() with { DirectKernelBoot = new DirectKernelBoot(Path.Combine(_dir.Path, "nope")) };
        var e = await Assert.ThrowsAsync<QemuLaunchException>(() =>
            QemuLauncher.LaunchAsync(TestPaths.Emulator, QemuCommandLine.Build(config), config.PidFilePath, Ct));

        Assert.Contains($"could not open kernel file '{Path.Combine(_dir.Path, "nope")}'", e.Message);
        Assert.Equal(1, e.ExitCode);
        Assert.Contains("could not open kernel file", e.StandardError);
        Assert.False(File.Exists(config.PidFilePath));
        Assert.Empty(QemuProcesses.FindByUuid(config.Uuid));
    }

    [Fact]
    public async Task Missing_emulator_fails_with_launch_exception()
    {
        var config = Config();
        var e = await Assert.ThrowsAsync<QemuLaunchException>(() =>
            QemuLauncher.LaunchAsync("/nonexistent/qemu-system-x86_64", QemuCommandLine.Build(config), config.PidFilePath, Ct));
        Assert.Null(e.ExitCode);
    }

    [Fact]
    public async Task Second_launch_of_a_running_vm_is_refused_and_leaves_the_first_untouched()
    {
        await using var qemus = new QemuProcesses();
        var config = Config();
        var first = await qemus.LaunchAsync(config, Ct);

        var e = await Assert.ThrowsAsync<QemuLaunchException>(() => qemus.LaunchAsync(config, Ct));
        Assert.Contains("already running", e.Message);
        Assert.True(first.IsAlive);
        Assert.Equal(first.Pid, QemuProcessHandle.ReadPidFile(config.PidFilePath));
    }

    [Fact]
    public async Task Second_qemu_on_the_same_pidfile_fails_and_keeps_the_first_pidfile()
    {
        await using var qemus = new QemuProcesses();
        var config = Config();
        var first = await qemus.LaunchAsync(config, Ct);
        // Another VM (different uuid and sockets) pointed at the same pidfile: QEMU's own pidfile lock refuses it.
        var other = Config("other") with { PidFilePath = config.PidFilePath };

        var e = await Assert.ThrowsAsync<QemuLaunchException>(() => qemus.LaunchAsync(other, Ct));
        Assert.Contains("pid", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(first.IsAlive);
        Assert.Equal(first.Pid, QemuProcessHandle.ReadPidFile(config.PidFilePath));
        Assert.Empty(QemuProcesses.FindByUuid(other.Uuid));
    }

    [Fact]
    public async Task Cancelled_launch_leaves_no_qemu_behind()
    {
        var config = Config();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            QemuLauncher.LaunchAsync(TestPaths.Emulator, QemuCommandLine.Build(config), config.PidFilePath, cancelled.Token));
        // A grandchild that was still initialising exits by itself when its parent's pipe is gone; give it time.
        var clock = Stopwatch.StartNew();
        while (QemuProcesses.FindByUuid(config.Uuid).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(50, Ct);
        Assert.Empty(QemuProcesses.FindByUuid(config.Uuid));
    }

    [Fact]
    public async Task Launch_cancelled_before_a_slow_qemu_writes_its_pidfile_leaves_no_qemu_behind()
    {
        // A QEMU that has not written its pidfile 10 s after a cancel (a loaded host): the real QEMU, exec'd 12 s
        // late by a wrapper that holds the launch's descriptors meanwhile, as a QEMU still initialising does.
        // Found by pidfile alone, the launcher gave up after 10 s and QEMU then ran on, orphaned.
        var config = Config();
        var wrapper = Path.Combine(_dir.Sub("wrapper"), "slow-qemu");
        File.WriteAllText(wrapper, $"#!/bin/sh\nsleep 12\nexec {TestPaths.Emulator} \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var cancelled = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            QemuLauncher.LaunchAsync(wrapper, QemuCommandLine.Build(config), config.PidFilePath, cancelled.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the cancel took {clock.Elapsed.TotalSeconds:F1} s");
        // Past the moment the wrapper would have started QEMU: nothing with the VM's uuid runs.
        while (clock.Elapsed < TimeSpan.FromSeconds(14)) await Task.Delay(200, Ct);
        Assert.Empty(QemuProcesses.FindByUuid(config.Uuid));
        Assert.False(File.Exists(config.PidFilePath));
    }

    [Fact]
    public async Task Zombie_qemu_counts_as_exited()
    {
        await using var qemus = new QemuProcesses();
        var handle = await qemus.LaunchAsync(Config(), Ct);
        Assert.True(handle.Kill(UnixSignal.Kill));
        // After death the process may linger as a zombie until PID 1 reaps it (~1.3 s here); IsAlive must
        // already be false for every state observed.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var stat = LinuxProcess.TryReadStat(handle.Pid);
            var alive = handle.IsAlive;
            if (stat is null) break;
            if (stat.Value.HasExited) Assert.False(alive);
            await Task.Delay(10, Ct);
        }
        Assert.False(handle.IsAlive);
        Assert.True(await handle.WaitForExitAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task Vm_restarts_over_the_stale_pidfile_and_sockets_of_a_killed_qemu()
    {
        await using var qemus = new QemuProcesses();
        var config = Config();
        var first = await qemus.LaunchAsync(config, Ct);
        Assert.True(first.Kill(UnixSignal.Kill));
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(10), Ct));
        // SIGKILL gives QEMU no chance to clean up: its pidfile and sockets stay behind.
        Assert.True(File.Exists(config.PidFilePath));
        Assert.True(File.Exists(config.QmpSocketPath));

        var second = await qemus.LaunchAsync(config, Ct);
        Assert.NotEqual(first.Pid, second.Pid);
        await using var qmp = await RawQmp.ConnectAsync(config.QmpSocketPath, Ct);
        Assert.True(second.IsAlive);
    }

    [Fact]
    public async Task Vnc_display_qemu_picked_listens_on_loopback_only()
    {
        // QEMU prints "VNC server running on" to a fully buffered stdout (its log file since it runs in the
        // foreground), so the monitor is asked instead: the display it picked, and that it is bound to 127.0.0.1.
        await using var qemus = new QemuProcesses();
        var config = Config() with { Vnc = VncConfig.Auto };
        await qemus.LaunchAsync(config, Ct);
        await using var qmp = await RawQmp.ConnectAsync(config.QmpSocketPath, Ct);
        var vnc = (await qmp.ExecuteAsync("""{"execute":"query-vnc"}""", Ct))["return"]!;
        Assert.Equal("127.0.0.1", vnc["host"]!.GetValue<string>());
        Assert.StartsWith("59", vnc["service"]!.GetValue<string>());
    }
}
