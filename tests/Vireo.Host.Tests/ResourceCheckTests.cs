using Vireo.Contracts;
using Vireo.Host.Os;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class ResourceCheckTests
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    [Fact]
    public async Task Cgroup_Passes_OnCgroupV2WithCpuMemoryIo()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.Cgroup);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains("cgroup v2 at /sys/fs/cgroup", item.Detail);
    }

    [Fact]
    public async Task Cgroup_WarnsNamingTheMissingControllers()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu pids\n");
        var item = await host.CheckAsync(HostCheckIds.Cgroup);
        item.HasStatus(CheckStatus.Warn);
        Assert.StartsWith("cgroup v2 lacks the memory, io controller(s)", item.Detail);
    }

    [Fact]
    public async Task Cgroup_WarnsAboutTheHybridLayout_OfThisMachine()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.Cgroup);
        item.HasStatus(CheckStatus.Warn);
        Assert.Equal("hybrid hierarchy: controllers are on cgroup v1; cgroup2 at /sys/fs/cgroup/unified has: hugetlb", item.Detail);
        Assert.Contains("systemd.unified_cgroup_hierarchy=1", item.Fix);
    }

    [Fact]
    public async Task Cgroup_Warns_OnCgroupV1Only()
    {
        using var host = FixtureHost.Load("no-kvm");
        host.Write("proc/self/mounts", "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n");
        var item = await host.CheckAsync(HostCheckIds.Cgroup);
        item.HasStatus(CheckStatus.Warn);
        Assert.Equal("cgroup v1 only (no cgroup2 mounted)", item.Detail);
    }

    [Fact]
    public async Task Cgroup_Warns_WhenNothingIsMounted()
    {
        using var host = FixtureHost.Load("no-kvm");
        host.Write("proc/self/mounts", "proc /proc proc rw 0 0\n");
        var item = await host.CheckAsync(HostCheckIds.Cgroup);
        item.HasStatus(CheckStatus.Warn);
        Assert.Equal("no cgroup file system is mounted", item.Detail);
    }

    [Fact]
    public async Task Iommu_PassesWithUnitsAndGroupCount()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.Iommu);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("enabled (dmar0, dmar1): 3 IOMMU groups", item.Detail);
    }

    [Theory]
    [InlineData("intel-kvm", "intel_iommu=on")]
    [InlineData("amd-nested", "amd_iommu=on")]
    [InlineData("no-kvm", "virtual IOMMU")]
    public async Task Iommu_WarnsWithTheRightKernelParameter_WhenOff(string fixture, string expectedFix)
    {
        using var host = FixtureHost.Load(fixture);
        if (Directory.Exists(host.PathOf("sys/class/iommu"))) host.Delete("sys/class/iommu");
        if (Directory.Exists(host.PathOf("sys/kernel/iommu_groups"))) host.Delete("sys/kernel/iommu_groups");
        var item = await host.CheckAsync(HostCheckIds.Iommu);
        item.HasStatus(CheckStatus.Warn);
        Assert.Contains("passthrough", item.Detail);
        Assert.Contains(expectedFix, item.Fix);
    }

    [Fact]
    public async Task Memory_PassesWithAvailableAndTotal()
    {
        using var host = FixtureHost.Load("no-kvm");
        var item = await host.CheckAsync(HostCheckIds.HostMemory);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal("23.1 GiB available of 23.5 GiB", item.Detail);
    }

    [Fact]
    public async Task Memory_Warns_BelowOneGiBAvailable()
    {
        using var host = FixtureHost.Load("no-kvm");
        host.Write("proc/meminfo", "MemTotal:        2000000 kB\nMemFree:          100000 kB\nMemAvailable:     524288 kB\n");
        var item = await host.CheckAsync(HostCheckIds.HostMemory);
        item.HasStatus(CheckStatus.Warn);
        Assert.StartsWith("512 MiB available of 1.9 GiB", item.Detail);
    }

    [Fact]
    public async Task Memory_FallsBackToMemFree_OnKernelsWithoutMemAvailable()
    {
        using var host = FixtureHost.Load("no-kvm");
        host.Write("proc/meminfo", "MemTotal:        2000000 kB\nMemFree:         1048576 kB\n");
        var item = await host.CheckAsync(HostCheckIds.HostMemory);
        item.HasStatus(CheckStatus.Pass);
        Assert.StartsWith("1.0 GiB available", item.Detail);
    }

    [Theory]
    [InlineData(100 * GiB, CheckStatus.Pass)]
    [InlineData(5 * GiB, CheckStatus.Pass)]
    [InlineData(5 * GiB - 1, CheckStatus.Warn)]
    [InlineData(500 * MiB, CheckStatus.Warn)]
    [InlineData(500 * MiB - 1, CheckStatus.Fail)]
    [InlineData(0, CheckStatus.Fail)]
    public async Task Disk_WarnsBelow5GiB_AndFailsBelow500MiB(long available, CheckStatus expected)
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Disk = new DiskSpace(available, 200 * GiB);
        var item = await host.CheckAsync(HostCheckIds.HostDisk);
        item.HasStatus(expected);
        Assert.Contains($"on the file system holding {host.Env.StateDir}", item.Detail);
    }

    [Fact]
    public async Task Disk_MeasuresTheNearestExistingParent_OfAStateDirNotYetCreated()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var asked = new List<string>();
        host.Env = host.Env with { DiskSpace = dir => { asked.Add(dir); return host.Disk; } };
        await host.CheckAsync(HostCheckIds.HostDisk);
        Assert.Equal([host.Root], asked); // var/lib/vireo does not exist in the fixture, nor does var
    }

    [Fact]
    public async Task Disk_ReportsRealFreeSpace_ThroughStatvfs()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Env = host.Env with { DiskSpace = DiskSpace.Of };
        var item = await host.CheckAsync(HostCheckIds.HostDisk);
        var real = new DriveInfo(host.Root);
        Assert.Contains($"of {FormatGiB(real.TotalSize)} on the file system", item.Detail);
    }

    [Fact]
    public async Task StateDir_Passes_WhenItCanBeCreated_WithoutCreatingIt()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.StateDir);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal($"{host.Env.StateDir} does not exist yet; it will be created in {host.Root}", item.Detail);
        Assert.False(Directory.Exists(host.PathOf("var")));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(host.Root), e => Path.GetFileName(e).StartsWith(".vireo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StateDir_Passes_WhenItExistsAndIsWritable()
    {
        using var host = FixtureHost.Load("intel-kvm");
        Directory.CreateDirectory(host.Env.StateDir);
        var item = await host.CheckAsync(HostCheckIds.StateDir);
        item.HasStatus(CheckStatus.Pass);
        Assert.EndsWith("exists and is writable", item.Detail);
        Assert.Empty(Directory.EnumerateFileSystemEntries(host.Env.StateDir));
    }

    [Fact]
    public async Task StateDir_Fails_WhenItIsAFile()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Write("var/lib/vireo", "not a directory");
        var item = await host.CheckAsync(HostCheckIds.StateDir);
        item.HasStatus(CheckStatus.Fail);
        Assert.EndsWith("is a file, not a directory", item.Detail);
    }

    [Fact]
    public async Task StateDir_Fails_WhenAParentIsAFile()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Write("var/lib", "not a directory");
        var item = await host.CheckAsync(HostCheckIds.StateDir);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("cannot be created", item.Detail);
    }

    [Fact]
    public async Task StateDir_Fails_WhereNothingCanBeCreated_EvenAsRoot()
    {
        // procfs refuses mkdir for everyone, root included: a real unwritable place, not a simulated one.
        using var host = FixtureHost.Load("intel-kvm");
        host.Env = host.Env with { StateDir = "/proc/vireo-test-state/vms" };
        var item = await host.CheckAsync(HostCheckIds.StateDir);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("cannot be created in /proc", item.Detail);
        Assert.Contains("mkdir -p /proc/vireo-test-state/vms", item.Fix);
    }

    private static string FormatGiB(long bytes) =>
        (bytes / (double)GiB).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " GiB";
}
