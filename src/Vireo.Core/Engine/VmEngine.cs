using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Images;
using Vireo.Core.Specs;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

/// <summary>
/// The engine: every VM of this host, their definitions in the store, and their QEMU processes. Thread-safe.
/// VMs are kept in memory (reads never touch the database); every change is written through to the store.
/// </summary>
public sealed partial class VmEngine : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, VirtualMachine> _vms = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _defineLock = new(1, 1);
    private readonly EngineContext _ctx;
    private readonly ImageCatalog _images;
    private readonly EngineOptions _options;
    private readonly Networks.NetworkService _networks;
    private readonly CancellationTokenSource _stopping = new();
    private Timer? _housekeeping;

    private VmEngine(EngineOptions options, EngineContext ctx, ImageCatalog images, Networks.NetworkService networks)
    {
        _options = options;
        _networks = networks;
        networks.AttachVms(() => _vms.Values.Select(v => new Networks.VmView(v.Spec, v.HasProcess)).ToList());
        _ctx = ctx;
        _images = images;
    }

    private ILogger Log => _ctx.Logger;

    /// <summary>Every change the engine makes, as events (GET /v1/events).</summary>
    public Vireo.Core.Events.EventBus Events => _ctx.Events;

    /// <summary>Virtual networks, port forwards and DHCP reservations.</summary>
    public Networks.NetworkService Networks => _networks;

    /// <summary>Long operations (volume import/convert/clone, later backups): progress and cancellation.</summary>
    public Operations.OperationRegistry Operations { get; } = new();

    /// <summary>Storage pools and volumes.</summary>
    public Storage.StorageService Storage { get; private set; } = null!;

    /// <summary>The images catalogue: built-in kernel images and base disk images.</summary>
    public ImageService Images { get; private set; } = null!;

    /// <summary>The state directory layout.</summary>
    public StatePaths Paths => _ctx.Paths;

    /// <summary>
    /// Opens the store, loads every VM and re-attaches to the QEMU processes that are still running.
    /// Call <see cref="AutostartAsync"/> afterwards to start VMs marked autostart.
    /// </summary>
    public static async Task<VmEngine> OpenAsync(EngineOptions options, ILogger logger, CancellationToken ct)
    {
        var paths = new StatePaths(options.StateDir);
        if (paths.CheckSocketPathLength() is { } tooLong)
            throw new UnavailableException(tooLong) { Hint = "Give vireod a shorter state directory: vireod --state-dir DIR" };
        Directory.CreateDirectory(paths.Root);
        Directory.CreateDirectory(paths.VmsDir);
        // Half-written files of a killed vireod (their old versions still stand): issue 18.
        if (Vireo.Host.Os.AtomicFile.RemoveLeftovers(paths.Root) is > 0 and var leftovers)
            logger.LogWarning("removed {Count} temporary files of writes an earlier vireod did not finish", leftovers);
        // Confinement (docs/security.md): per-VM cgroups also under `ip netns exec`; a state directory QEMU's uid can walk.
        if (Environment.IsPrivilegedProcess)
        {
            var (cgroupUsable, cgroupNote) = VmCgroup.EnsureMounted();
            if (cgroupNote is not null)
            {
                if (cgroupUsable) logger.LogInformation("{Note}", cgroupNote);
                else logger.LogWarning("{Note}", cgroupNote);
            }
            if (QemuConfinement.Unreachable(paths.VmsDir) is { } unreachable)
                logger.LogWarning("{Problem} ({Hint})", unreachable.Message, unreachable.Hint);
        }
        var emulator = options.Emulator ?? Vireo.Qemu.QemuBinary.Locate()
            ?? throw new UnavailableException("QEMU is not installed: no qemu-system-x86_64 on PATH, in /usr/bin or /usr/libexec") { Hint = "Install it: apt-get install qemu-system-x86" };
        var store = VireoStore.Open(paths.Database);
        var rebooted = HostBoot.RecordAndCheck(store);
        if (rebooted)
            logger.LogWarning("the host rebooted since vireod last ran: VMs that ran are stopped; autostart VMs and networks come up");
        VmEngine? engine = null;
        var networks = new Networks.NetworkService(store, paths, logger, new Vireo.Host.Os.ProcessCommandRunner());
        var ctx = new EngineContext
        {
            Store = store,
            Paths = paths,
            Logger = logger,
            Emulator = emulator,
            Planner = new VmPlanner(QemuConfinement.ForQemuUser(Vireo.Host.KvmProbe.ProbeThisHost()), resolveNetwork: networks.Resolve,
                ioUring: Vireo.Host.Os.DiskIoSupport.IoUringUsable(emulator),
                dependantsOf: path => engine?.Storage?.DependantsOfPath(path) ?? [],
                firmware: new Vireo.Host.Firmware.FirmwareLocator(options.FirmwareDescriptorDirs)),
            QmpTrace = logger.IsEnabled(LogLevel.Trace) ? line => logger.LogTrace("QMP {Line}", line) : null,
            ScheduleCrashRestart = (vm, delay) => engine?.ScheduleCrashRestart(vm, delay),
            HostRebooted = rebooted,
        };
        engine = new VmEngine(options, ctx, new ImageCatalog(options.ImageDir), networks);
        engine.Operations.Changed = engine.PublishOperation;
        networks.Changed = (network, message) => ctx.Events.Publish(new VireoEvent { Type = EventTypes.NetworkChanged, Network = network, Message = message });
        engine.Storage = new Storage.StorageService(store, paths, logger, engine.Operations);
        engine.Storage.Changed = (pool, message) => ctx.Events.Publish(new VireoEvent { Type = EventTypes.StorageChanged, Pool = pool, Message = message });
        engine.Storage.AttachVms(() => engine._vms.Values.Select(v => new Networks.VmView(v.Spec, v.HasProcess)).ToList());
        engine.UseVolumeResolver(engine.Storage.Resolve);
        await engine.LoadAsync(ct);
        // After the VMs are loaded (running ones get their taps back into re-created bridges), before autostart.
        await networks.InitializeAsync(options.CreateDefaultNetwork, ct, hostRebooted: rebooted);
        await engine.Storage.InitializeAsync(ct);
        engine.Images = new ImageService(store, engine.Storage, engine._images, () => engine.OsCatalog, engine.Operations, logger);
        // Register-on-sight: images built into the cache directory (vireo image build, the README's setup) join the catalogue.
        if (options.RegisterBuiltImages)
            engine.Images.RegisterBuilt();
        // After the journal is replayed, before autostart: an older Vireo's linked clones sat on their source's volume.
        await engine.HealLegacyLinksAtStartAsync(ct);
        // Operations a killed vireod left half-done (operation journal, issue 18): completed or rolled back, and listed.
        await engine.RecoverInterruptedAsync(ct);
        engine._housekeeping = new Timer(_ => engine.Housekeeping(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        return engine;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var records = _ctx.Store.ListVms();
        foreach (var record in records)
        {
            var spec = Vireo.Core.Specs.StoredSpec.Load(record.SpecJson);
            var vm = new VirtualMachine(_ctx, spec, VmStateMachine.Parse(record.State), record.Reason, record.DefinedAt);
            vm.TakeStoredDefinition(record.Revision, record.PendingSpecJson is { } pending
                ? Vireo.Core.Specs.StoredSpec.Load(pending) : null);
            _vms[vm.Name] = vm;
        }
        MarkInterruptedReboots();
        // Re-attach concurrently: each VM waits at most a few seconds for its monitor.
        await Task.WhenAll(records.Select(async record =>
        {
            var vm = _vms[record.Name];
            try
            {
                await vm.ReattachAsync(record.Runtime, ct);
            }
            catch (Exception e)
            {
                Log.LogError(e, "VM {Name}: re-attach failed", record.Name);
            }
        }));
        Log.LogInformation("loaded {Count} VMs ({Active} with a QEMU process) from {Db}",
            _vms.Count, _vms.Values.Count(v => v.HasProcess), _ctx.Store.Path);
    }

    /// <summary>Starts every stopped VM marked autostart; failures are logged, not thrown.</summary>
    public async Task AutostartAsync(CancellationToken ct)
    {
        if (!_options.Autostart)
            return;
        var candidates = _vms.Values.Where(v => v.Spec.Autostart && !v.HasProcess && v.State is VmState.Stopped or VmState.Crashed).ToList();
        await Task.WhenAll(candidates.Select(async vm =>
        {
            try
            {
                Log.LogInformation("VM {Name}: autostart", vm.Name);
                await vm.StartAsync(ct);
            }
            catch (Exception e)
            {
                Log.LogError("VM {Name}: autostart failed: {Error}", vm.Name, e.Message);
            }
        }));
    }

    /// <summary>All VMs, ordered by name.</summary>
    public IReadOnlyList<VmSummary> List() =>
        _vms.Values.Select(v => v.Summary()).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    public VmInfo Get(string name) => Find(name).Info();

    public string GetSpecYaml(string name) => VmSpecWriter.ToYaml(Find(name).Spec);

    /// <summary>The VM's addresses and where each was learned (<c>vireo ip</c>).</summary>

    public string SerialLogPath(string name) => Find(name).Paths.SerialLog;

    /// <summary>
    /// The QEMU session of a running or paused VM, null otherwise: for tests of the live memory and vCPU layer
    /// (<see cref="QemuSession.SetBalloonTargetAsync"/>, <see cref="QemuSession.PlugVcpusAsync"/>). Calls through it
    /// bypass the VM's one-operation-at-a-time gate.
    /// </summary>
    internal QemuSession? LiveSession(string name) => Find(name).LiveSession;

    public async Task<ActionResult> StartAsync(string name, CancellationToken ct)
    {
        var vm = Find(name);
        // A volume an older Vireo's linked clones sit on becomes a base first (vireod does it at start when it can).
        var healed = vm.HasProcess ? [] : await HealLegacyLinksAsync(vm, ct);
        var result = await vm.StartAsync(ct);
        return HealedText(healed) is { } text ? result with { Message = result.Message is null ? text : $"{result.Message}; {text}" } : result;
    }
    public Task<ActionResult> ShutdownAsync(string name, ShutdownRequest request, CancellationToken ct) => Find(name).ShutdownAsync(request, ct);
    public Task<ActionResult> DestroyAsync(string name, CancellationToken ct) => Find(name).DestroyAsync(ct);
    public Task<ActionResult> RebootAsync(string name, CancellationToken ct) => Find(name).RebootAsync(ct);
    public Task<ActionResult> ResetAsync(string name, CancellationToken ct) => Find(name).ResetAsync(ct);
    public Task<ActionResult> SuspendAsync(string name, CancellationToken ct) => Find(name).SuspendAsync(ct);
    public Task<ActionResult> ResumeAsync(string name, CancellationToken ct) => Find(name).ResumeAsync(ct);
    public Task<ConsoleSession> AttachConsoleAsync(string name, bool force, CancellationToken ct) => Find(name).AttachConsoleAsync(force, ct);

    private VirtualMachine Find(string name)
    {
        if (VmNameRules.Validate(name) is { } problem)
            throw new InvalidInputException($"invalid VM name: \"{name}\" {problem}",
                [new FieldError { Field = "name", Value = name, Message = problem }]);
        return _vms.TryGetValue(name, out var vm) ? vm : throw new NotFoundException("VM", name);
    }

    private void ScheduleCrashRestart(VirtualMachine vm, TimeSpan delay)
    {
        if (_stopping.IsCancellationRequested)
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await vm.RestartAfterCrashAsync(_stopping.Token);
        });
    }

    /// <summary>An operation's progress or end as an event; one on a VM (a backup, a clone) names the VM.</summary>
    private void PublishOperation(OperationInfo operation)
    {
        var done = operation.Status != OperationStatus.Running;
        var target = operation.Target;
        var vm = _vms.ContainsKey(target) ? target : null;
        _ctx.Events.Publish(new VireoEvent
        {
            Type = done ? EventTypes.OperationDone : EventTypes.OperationProgress,
            Operation = operation.Id,
            Vm = vm,
            Pool = vm is null && target.IndexOf('/') is > 0 and var slash ? target[..slash] : null,
            State = operation.Status switch
            {
                OperationStatus.Running => "running",
                OperationStatus.Succeeded => "succeeded",
                OperationStatus.Failed => "failed",
                OperationStatus.RolledBack => "rolled-back",
                OperationStatus.Completed => "completed",
                _ => "cancelled",
            },
            Progress = operation.Progress,
            Message = operation.Error?.Detail is { } error ? $"{operation.Kind} {target}: {error}" : $"{operation.Kind} {target}",
        });
    }

    private void Housekeeping()
    {
        foreach (var vm in _vms.Values.Where(v => v.HasProcess))
        {
            try
            {
                Console.SerialLog.RotateIfLarge(vm.Paths.SerialLog);
            }
            catch (IOException e)
            {
                Log.LogWarning("VM {Name}: serial log rotation failed: {Error}", vm.Name, e.Message);
            }
        }
    }

    /// <summary>Detaches from every VM, leaving their QEMU processes running, and closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        // Running copies are cancelled and remove their partial files before the store closes.
        await Operations.DisposeAsync();
        try
        {
            // Before detaching: the service must still see which VMs run to keep their networks up.
            await _networks.ShutdownAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.LogWarning("network teardown at shutdown failed: {Error}", e.Message);
        }
        if (_housekeeping is not null)
            await _housekeeping.DisposeAsync();
        await Task.WhenAll(_vms.Values.Select(v => v.DetachAsync()));
        _ctx.Store.Dispose();
    }
}

/// <summary>
/// on_crash: restart with a back-off, as systemd's Restart= with RestartSec and StartLimitBurst: the first restart
/// waits <see cref="FirstDelay"/>, each further quick crash doubles it up to <see cref="MaxDelay"/>. A crash that
/// comes after the VM ran for <see cref="StableAfter"/> or more starts the count again. After
/// <see cref="MaxQuickCrashes"/> restarts, the next quick crash in a row is a crash loop: the VM is left crashed until
/// started by hand.
/// </summary>
internal static class CrashRestartPolicy
{
    public const int MaxQuickCrashes = 4;
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    /// <summary>The delay before restart number <paramref name="quickCrashes"/> (1-based); null: give up.</summary>
    public static TimeSpan? DelayFor(int quickCrashes) => quickCrashes > MaxQuickCrashes
        ? null
        : TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(quickCrashes - 1, 20)));
}
