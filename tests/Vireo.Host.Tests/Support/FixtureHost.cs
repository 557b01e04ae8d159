using Vireo.Contracts;
using Vireo.Host.Os;

namespace Vireo.Host.Tests.Support;

/// <summary>
/// A copy of one fixture host tree (Fixtures/NAME) in a fresh temp dir, so a test can change files freely, plus a
/// <see cref="HostEnvironment"/> rooted in it. Device nodes, tool answers and free disk space come from fakes
/// (named as such); everything under proc, sys, etc, lib and usr is read by the real code from real files.
/// </summary>
internal sealed class FixtureHost : IDisposable
{
    public string Root { get; }
    public ScriptedCommandRunner Commands { get; }
    public ManifestDeviceNodes Devices { get; }
    public DiskSpace Disk { get; set; } = new(100 * 1024L * 1024 * 1024, 200 * 1024L * 1024 * 1024);
    public HostEnvironment Env { get; set; }

    private FixtureHost(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!Directory.Exists(source)) throw new DirectoryNotFoundException(source);
        Root = Directory.CreateTempSubdirectory($"vireo-host-{name}-").FullName;
        CopyTree(source, Root);
        Commands = ScriptedCommandRunner.FromFile(Path.Combine(Root, "commands.txt"));
        Devices = new ManifestDeviceNodes(Path.Combine(Root, "dev"));
        Env = new HostEnvironment
        {
            ProcRoot = Path.Combine(Root, "proc"),
            SysRoot = Path.Combine(Root, "sys"),
            DevRoot = Path.Combine(Root, "dev"),
            EtcRoot = Path.Combine(Root, "etc"),
            ModulesRoot = Path.Combine(Root, "lib/modules"),
            SearchPath = [Path.Combine(Root, "usr/bin")],
            SystemBinDirectories = [Path.Combine(Root, "usr/sbin")],
            ExtraQemuPaths = [Path.Combine(Root, "usr/libexec/qemu-kvm")],
            StateDir = Path.Combine(Root, "var/lib/vireo"),
            // No fixture ships OVMF: the UEFI line warns unless a test writes descriptors (FirmwareTests).
            FirmwareDescriptorDirs = [Path.Combine(Root, "usr/share/qemu/firmware")],
            IsRoot = true,
            Commands = Commands,
            Devices = Devices,
            DiskSpace = _ => Disk,
        };
    }

    public static FixtureHost Load(string name) => new(name);

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Write(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Delete(string relative)
    {
        var path = PathOf(relative);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    public Task<HostCheckReport> RunAsync() => new HostChecker(Env).RunAsync(CancellationToken.None);

    public async Task<HostCheckItem> CheckAsync(string id) => (await RunAsync()).Checks.Single(c => c.Id == id);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        // File.Copy keeps the Unix mode bits, so placeholder binaries stay executable.
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
