using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Core.Networks;
using Vireo.Core.Operations;
using Vireo.Core.Specs;
using Vireo.Persistence;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Storage;

/// <summary>
/// Directory storage pools and the volumes Vireo creates in them (what libvirt calls pools and volumes). A volume is a
/// file POOL_DIR/NAME whose format is the one Vireo recorded when it made the file: it is never probed, and qemu-img
/// is always told every format (-f, -O, -F). Files in a pool directory that Vireo did not create are never touched.
/// A new file is written under a temporary name in the pool directory and renamed when complete; only then is its
/// row written, so a failure or a cancellation leaves neither a partial file nor a row.
/// </summary>
public sealed partial class StorageService
{
    /// <summary>Prefix of files being written. Volume names start with a letter or digit, so none can collide.</summary>
    internal const string TempPrefix = ".vireo-tmp-";

    private const string DefaultPoolKey = "default_pool_created";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly VireoStore _store;
    private readonly StatePaths _paths;
    private readonly ILogger _log;
    private readonly OperationRegistry _operations;
    private readonly Lazy<QemuImg> _img;
    // Both guarded by _lock: names being created (no row yet) and volumes being read by a copy.
    private readonly HashSet<(string Pool, string Name)> _pending = [];
    private readonly Dictionary<(string Pool, string Name), int> _reading = [];
    private Func<IReadOnlyList<VmView>> _vms = () => [];

    internal StorageService(VireoStore store, StatePaths paths, ILogger logger, OperationRegistry operations, QemuImg? qemuImg = null)
    {
        _store = store;
        _paths = paths;
        _log = logger;
        _operations = operations;
        _img = new Lazy<QemuImg>(() =>
        {
            try
            {
                return qemuImg ?? QemuImg.Locate();
            }
            catch (QemuImgException e)
            {
                throw new UnavailableException(e.Message, e) { Hint = "Install it: apt-get install qemu-utils" };
            }
        });
    }

    /// <summary>Told (pool, what changed) after each change of a pool or its volumes (GET /v1/events); must not block.</summary>
    public Action<string, string>? Changed { get; set; }

    /// <summary>Lets the service see the engine's VMs (set once by the engine, before any request).</summary>
    internal void AttachVms(Func<IReadOnlyList<VmView>> vms) => _vms = vms;

    /// <summary>Where the <c>default</c> pool lives: STATE_DIR/pools/default.</summary>
    public string DefaultPoolPath => Path.Combine(_paths.Root, "pools", "default");

    private QemuImg Img => _img.Value;

    /// <summary>
    /// At vireod start: creates the <c>default</c> pool the first time (idempotently: a deleted default pool stays
    /// deleted), and removes temporary files a killed vireod left in pool directories mid-copy.
    /// </summary>
    public async Task InitializeAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            if (_store.GetMeta(DefaultPoolKey) is null)
            {
                if (!_store.ListPools().Any(p => p.Name == "default"))
                {
                    try
                    {
                        CreatePoolCore(new PoolSpec { Name = "default", Path = DefaultPoolPath });
                    }
                    catch (VireoException e)
                    {
                        _log.LogError("cannot create the default pool: {Error}", e.Message);
                    }
                }
                _store.SetMeta(DefaultPoolKey, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            }
            // First the changes a killed vireod left half-made (their temporary files included), then other leftovers.
            await ReplayJournalAsync();
            foreach (var pool in _store.ListPools())
                RemoveLeftovers(pool);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The file and recorded format of volume <paramref name="reference"/> (<c>POOL/NAME</c>), for a VM disk. A malformed
    /// reference or an unknown pool or volume is an <see cref="InvalidInputException"/> on <paramref name="field"/>.
    /// </summary>
    public ResolvedVolume Resolve(string reference, string field)
    {
        FieldError Problem(string message, string? hint = null) => new() { Field = field, Value = reference, Message = message, Hint = hint };
        if (!StorageNames.TrySplit(reference, out var poolName, out var name, out var problem))
            throw InvalidInputException.For("volume", [Problem(problem)]);
        var pool = _store.ListPools().FirstOrDefault(p => p.Name == poolName)
            ?? throw InvalidInputException.For("volume", [Problem($"names the pool \"{poolName}\", which does not exist", hint: "List the pools: vireo pool list")]);
        var volume = _store.ListVolumes().FirstOrDefault(v => v.Pool == poolName && v.Name == name)
            ?? throw InvalidInputException.For("volume", [Problem("is not a volume",
                hint: $"List the volumes of pool {poolName} (vireo vol list {poolName}), or make it: vireo vol create {reference} --size SIZE")]);
        return ToResolved(pool, volume);
    }

    /// <summary>True when volume <paramref name="reference"/> (<c>POOL/NAME</c>) is recorded.</summary>
    public bool Exists(string reference) =>
        StorageNames.TrySplit(reference, out var pool, out var name, out _) && _store.ListVolumes().Any(v => v.Pool == pool && v.Name == name);

    private static ResolvedVolume ToResolved(PoolRecord pool, VolumeRecord volume) =>
        new(pool.Name, volume.Name, Path.Combine(pool.Path, volume.Name), volume.Format);

    private PoolRecord FindPool(string name)
    {
        if (VmNameRules.Validate(name) is { } problem)
            throw InvalidInputException.For("pool", [new FieldError { Field = "pool", Value = name, Message = problem }]);
        return _store.ListPools().FirstOrDefault(p => p.Name == name) ?? throw StorageNotFoundException.Pool(name);
    }

    private (PoolRecord Pool, VolumeRecord Volume) FindVolume(string reference, string field = "volume")
    {
        var (poolName, name) = Split(reference, field);
        var pool = FindPool(poolName);
        var volume = _store.ListVolumes().FirstOrDefault(v => v.Pool == poolName && v.Name == name)
            ?? throw StorageNotFoundException.Volume(reference);
        return (pool, volume);
    }

    private static (string Pool, string Name) Split(string reference, string field)
    {
        if (!StorageNames.TrySplit(reference, out var pool, out var name, out var problem))
            throw InvalidInputException.For("volume", [new FieldError { Field = field, Value = reference, Message = problem }]);
        return (pool, name);
    }

    private static string Ref(VolumeRecord v) => StorageNames.Reference(v.Pool, v.Name);

    /// <summary>VMs with a disk on this volume, by reference or by its path.</summary>
    private List<VmView> UsersOf(PoolRecord pool, VolumeRecord volume)
    {
        var reference = Ref(volume);
        var path = Path.Combine(pool.Path, volume.Name);
        return _vms().Where(vm => vm.Spec.Disks.Any(d => d.Volume == reference || (d.Path is { Length: > 0 } p && SamePath(p, path)))).ToList();
    }

    private static bool SamePath(string diskPath, string volumePath)
    {
        if (!Path.IsPathFullyQualified(diskPath)) return false;
        var full = Path.GetFullPath(diskPath);
        return full == volumePath || PoolPaths.Canonical(full) == volumePath;
    }

    /// <summary>Volumes that have <paramref name="volume"/> as their backing file.</summary>
    private static List<VolumeRecord> DependantsOf(VolumeRecord volume, IReadOnlyList<VolumeRecord> all) =>
        all.Where(v => v.BackingPool == volume.Pool && v.BackingName == volume.Name).ToList();

    /// <summary>The volume's backing chain from the store, nearest first.</summary>
    private static List<VolumeRecord> ChainOf(VolumeRecord volume, IReadOnlyList<VolumeRecord> all)
    {
        var chain = new List<VolumeRecord>();
        var current = volume;
        while (current.BackingPool is { } bp && current.BackingName is { } bn && chain.Count < 64)
        {
            var next = all.FirstOrDefault(v => v.Pool == bp && v.Name == bn);
            if (next is null) break;
            chain.Add(next);
            current = next;
        }
        return chain;
    }

    private static DiskFormat ParseFormat(string? text, string field, DiskFormat? fallback)
    {
        switch (text)
        {
            case null or "" when fallback is { } f:
                return f;
            case null or "":
                throw InvalidInputException.For("volume", [new FieldError { Field = field, Message = "is required; give raw or qcow2 (Vireo never guesses an image format)" }]);
            case "raw":
                return DiskFormat.Raw;
            case "qcow2":
                return DiskFormat.Qcow2;
            default:
                throw InvalidInputException.For("volume", [new FieldError { Field = field, Value = text, Message = "is not a supported format; use raw or qcow2" }]);
        }
    }

    private static string FormatName(DiskFormat format) => format == DiskFormat.Qcow2 ? "qcow2" : "raw";

    private static DiskFormat ToDiskFormat(string recorded) => recorded == "qcow2" ? DiskFormat.Qcow2 : DiskFormat.Raw;

    /// <summary>A qemu-img failure as users should read it: a full disk is its own error.</summary>
    private static VireoException Translate(QemuImgException e, string what)
    {
        var text = e.StandardError.Length > 0 ? e.StandardError : e.Message;
        if (text.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) || text.Contains("ENOSPC", StringComparison.Ordinal))
            return new NoSpaceException($"{what}: the pool's file system is full (qemu-img: {text.Trim()}); nothing was left behind. Free space or use another pool", e);
        return new QemuFailedException($"{what}: {e.Message}", e);
    }

    private string TempPath(PoolRecord pool, string name) =>
        Path.Combine(pool.Path, TempPrefix + Guid.NewGuid().ToString("N")[..8] + "-" + name);

    private void RemoveLeftovers(PoolRecord pool)
    {
        try
        {
            if (!Directory.Exists(pool.Path)) return;
            foreach (var file in Directory.EnumerateFiles(pool.Path, TempPrefix + "*"))
            {
                _log.LogWarning("pool {Pool}: removing {File}, left by an interrupted copy", pool.Name, file);
                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("pool {Pool}: cannot clean up temporary files: {Error}", pool.Name, e.Message);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
