using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Networks;
using Vireo.Core.Operations;
using Vireo.Core.Storage;
using Vireo.Persistence;

namespace Vireo.Core.Tests.Storage;

/// <summary>A real store, a real qemu-img and a StorageService over a private state directory, removed on dispose.</summary>
public sealed class StorageFixture : IAsyncDisposable
{
    public const long MiB = 1 << 20;
    private readonly List<VmView> _vms = [];

    public StorageFixture()
    {
        Root = Directory.CreateTempSubdirectory("vst-").FullName;
        Paths = new StatePaths(Path.Combine(Root, "state"));
        Directory.CreateDirectory(Paths.Root);
        Store = VireoStore.Open(Paths.Database);
        Operations = new OperationRegistry();
        Service = new StorageService(Store, Paths, NullLogger.Instance, Operations);
        Service.AttachVms(() => _vms.ToList());
    }

    public string Root { get; }
    public StatePaths Paths { get; }
    public VireoStore Store { get; }
    public OperationRegistry Operations { get; }
    public StorageService Service { get; }
    public CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;
    public string DefaultDir => Service.DefaultPoolPath;

    public static async Task<StorageFixture> StartAsync()
    {
        var f = new StorageFixture();
        await f.Service.InitializeAsync(f.Ct);
        return f;
    }

    /// <summary>A defined VM (with or without a QEMU process) whose disks are <paramref name="disks"/>.</summary>
    public void DefineVm(string name, bool running, params DiskSpec[] disks) =>
        _vms.Add(new VmView(new VmSpec { Name = name, Disks = disks }, running));

    public Task<VolumeInfo> CreateAsync(string pool, string name, string? size = "16M", string? format = null, string? backing = null, string? prealloc = null) =>
        Service.CreateVolumeAsync(pool, new VolumeCreateRequest { Name = name, Size = size, Format = format, Backing = backing, Preallocation = prealloc }, Ct);

    /// <summary>File names in a directory, sorted: what "nothing changed" compares.</summary>
    public static string[] Listing(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public async ValueTask DisposeAsync()
    {
        await Operations.DisposeAsync();
        Store.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
