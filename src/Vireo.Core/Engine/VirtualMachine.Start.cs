using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qemu;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    public Task<ActionResult> StartAsync(CancellationToken ct) =>
        Serialised(VmAction.Start, async () =>
        {
            ResetCrashCount();
            await StartCoreAsync(ct);
            return Result();
        }, ct);

    /// <summary>
    /// Starts QEMU in phases, as libvirt does: plan (pure), prepare the host, launch paused (-S), connect the
    /// monitor and finish setup, then resume with cont. Any failure undoes what was done: no process, no
    /// runtime files, state back to what it was.
    /// </summary>
    /// <param name="ct">Cancels the start; what was done is undone.</param>
    /// <param name="beforeResume">
    /// Runs on the paused QEMU (-S: the guest has not run) before it would be resumed and says which state the VM
    /// ends in: a snapshot revert loads the saved RAM here and may leave the VM paused. A failure undoes the start.
    /// </param>
    private async Task StartCoreAsync(CancellationToken ct, Func<QemuSession, CancellationToken, Task<(VmState State, string? Reason)>>? beforeResume = null)
    {
        // Changes that waited for this start take effect now (a VM without a process keeps none).
        PromotePendingIfNoProcess();
        VmSpec spec;
        VmState before;
        lock (_gate)
        {
            spec = _spec;
            before = _state;
        }

        // Phase 1: plan. Pure apart from reading host facts; refuses before anything changes.
        var plan = _ctx.Planner.Plan(spec, Paths);
        // QEMU, as its own uid, must be able to walk to its directory (a state dir under /root is not).
        if (Environment.IsPrivilegedProcess && QemuConfinement.Unreachable(_ctx.Paths.VmsDir) is { } unreachable)
            throw unreachable;

        // Phase 2: prepare the host.
        Directory.CreateDirectory(Paths.Dir);
        // QEMU runs as the VM's own uid (docs/security.md): its directory 0700 is the record of that uid.
        var uid = QemuConfinement.UidFor(Paths, _ctx.Paths.VmsDir);
        if (plan.UefiVarsTemplate is { } template)
            UefiVars.EnsureCopied(template, Paths.UefiVars);
        if (spec.CloudInit is { } cloudInit && await CloudInit.CloudInitSeed.EnsureAsync(cloudInit, spec.Name, Paths.CloudInitSeed, SeedRunner, ct))
            Log.LogInformation("VM {Name}: cloud-init seed built (settings changed or first start)", Name);
        RemoveRuntimeFiles();
        SerialLogMarker(spec);
        var launch = GrantFilesToQemu(plan, uid);
        SetState(VmState.Starting, null);
        Vireo.Host.CrashPoints.Hit("start.prepared");

        QemuSession? session = null;
        try
        {
            // Every host change below registers its undo; anything short of the end (a failure, a cancellation)
            // rolls them back, newest first, with the operation's token out of the way.
            await using var revert = new Reverter("vm-start", Log);

            // Phase 3: launch, as the VM's uid, in a session of its own: not our child, it outlives vireod. The undo
            // comes first: a launch cut short may leave a QEMU that only its pidfile names.
            revert.Step("launch");
            revert.Add("qemu", async _ =>
            {
                if (session is null && Vireo.Qemu.QemuProcessHandle.TryAttach(Paths.PidFile, Guid.Parse(Uuid)) is { } stray)
                    stray.Kill(Vireo.Qemu.UnixSignal.Kill);
                await AbandonSessionAsync(session);
                PersistRuntime();
            });
            // Taps are opened here and handed to QEMU as descriptors: it may not open /dev/net/tun itself.
            var (argv, inherited) = WithTapDescriptors(plan);
            try
            {
                session = await QemuSession.LaunchAsync(_ctx.Emulator, argv, Paths, Uuid, _ctx.QmpTrace, ct,
                    launch with { InheritedFds = inherited });
            }
            finally
            {
                QemuConfinement.Close(inherited.Select(i => i.Source));
            }
            Vireo.Host.CrashPoints.Hit("start.qemu-launched");
            revert.Step("cgroup");
            // Its own cgroup with the spec's memory and CPU limits, before the guest runs its first instruction.
            try
            {
                if (VmCgroup.Place(Uuid, session.Pid, plan.Config) is { } cgroup)
                    Log.LogInformation("VM {Name}: QEMU PID {Pid} in cgroup {Cgroup}", Name, session.Pid, cgroup);
                else
                    Log.LogWarning("VM {Name}: no writable memory or cpu cgroup controller under {Root} (none, or mounted read-only as in a container); QEMU runs without memory and CPU limits", Name, VmCgroup.Root);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidStateException($"cannot put QEMU of VM \"{Name}\" in its cgroup (memory and CPU limits): {e.Message}");
            }
            revert.Step("runtime");
            var vncPort = spec.Graphics.Type == "vnc" ? await session.QueryVncPortAsync(ct) : null;
            lock (_gate)
            {
                _session = session;
                _runtime = new RuntimeFacts(plan.Accel, plan.AccelWarning, DateTimeOffset.UtcNow, vncPort);
            }
            PersistRuntime();
            StartEventLoop(session);
            // QEMU created the taps (they vanish with it); they join their bridges before the guest runs.
            revert.Step("bridge-ports");
            foreach (var port in plan.BridgePorts)
                await Vireo.Host.Network.IpLink.AddToBridgeAsync(port.Tap, port.Bridge, ct);
            revert.Step("links");
            foreach (var nic in plan.LinksDown)
                await session.SetLinkAsync(nic, up: false, ct);

            // QEMU got max_memory as RAM; the balloon holds the guest to memory from its first instruction (the driver
            // reads the target when it loads, ~4 s into a tiny boot under TCG). The target lives in QEMU, so a
            // daemon restart (ReattachAsync) finds it there. A memory snapshot's revert loads the balloon's state
            // with the RAM instead, so it is left alone then.
            revert.Step("balloon");
            if (beforeResume is null && spec.Memory < (spec.MaxMemory ?? spec.Memory))
                await session.SetBalloonTargetAsync(spec.Memory, ct);

            revert.Step("before-resume");
            var (target, reason) = beforeResume is null ? (VmState.Running, null) : await beforeResume(session, ct);
            if (target == VmState.Paused)
            {
                revert.Success();
                SetState(VmState.Paused, reason);
                return;
            }

            Vireo.Host.CrashPoints.Hit("start.before-cont");
            // Phase 4: resume. Until now the guest has not executed a single instruction.
            revert.Step("resume");
            await session.ContAsync(ct);
            revert.Success();
            SetState(VmState.Running, reason ?? (plan.AccelWarning is null ? null
                : plan.Accel == "tcg" ? "running under TCG software emulation" : plan.AccelWarning));
        }
        catch (Exception e)
        {
            // The reverter has already killed QEMU (its taps vanish with it) and removed the runtime files and row.
            Log.LogWarning(e, "VM {Name}: start failed", Name);
            SetState(before == VmState.Crashed ? VmState.Crashed : VmState.Stopped, $"start failed: {Describe(e)}");
            throw Translate(e, "start");
        }
    }

    private static readonly Vireo.Host.Os.ProcessCommandRunner SeedRunner = new();

    /// <summary>The argv with each tap netdev given inherited descriptors (numbered from 4; 3 is the launcher's).</summary>
    private static (IReadOnlyList<string> Argv, List<(int Source, int Target)> Fds) WithTapDescriptors(VmPlan plan)
    {
        var inherited = new List<(int Source, int Target)>();
        if (!plan.Config.Netdevs.Any(n => n is Vireo.Qemu.Model.TapNetdev))
            return (plan.Argv, inherited);
        try
        {
            var next = QemuLauncher.AliveFd + 1;
            var netdevs = new List<Vireo.Qemu.Model.IQemuNetdev>();
            foreach (var netdev in plan.Config.Netdevs)
            {
                if (netdev is not Vireo.Qemu.Model.TapNetdev tap)
                {
                    netdevs.Add(netdev);
                    continue;
                }
                var targets = new List<string>();
                foreach (var fd in QemuConfinement.OpenTap(tap.IfName, tap.Queues))
                {
                    inherited.Add((fd, next));
                    targets.Add((next++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                netdevs.Add(tap with { Fds = targets });
            }
            return (QemuCommandLine.Build(plan.Config with { Netdevs = netdevs }), inherited);
        }
        catch
        {
            QemuConfinement.Close(inherited.Select(i => i.Source));
            throw;
        }
    }


    /// <summary>Writes a line into the serial log so that each boot is easy to find in `vireo logs`.</summary>
    private void SerialLogMarker(VmSpec spec)
    {
        if (!spec.Serial)
            return;
        var line = $"\n--- vireo: starting {spec.Name} at {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z ---\n";
        File.AppendAllText(Paths.SerialLog, line);
        Console.SerialLog.RotateIfLarge(Paths.SerialLog);
    }

    /// <summary>Kills a half-started QEMU (by PID) and removes its runtime files.</summary>
    private async Task AbandonSessionAsync(QemuSession? session)
    {
        if (session is not null)
        {
            lock (_gate)
            {
                if (_session == session)
                    _session = null;
                _runtime = null;
            }
            await session.KillAndDisposeAsync();
        }
        RemoveRuntimeFiles();
    }

    private void RemoveRuntimeFiles()
    {
        VmCgroup.RemoveWhenEmpty(Uuid);
        // No QEMU (any more): its files go back to their owners (VirtualMachine.Ownership.cs).
        GiveBackFiles();
        foreach (var file in Paths.RuntimeFiles)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException e)
            {
                Log.LogWarning("VM {Name}: cannot remove {File}: {Error}", Name, file, e.Message);
            }
        }
    }

    private static string Describe(Exception e) => e switch
    {
        VireoException v => v.Message,
        _ => e.Message,
    };
}
