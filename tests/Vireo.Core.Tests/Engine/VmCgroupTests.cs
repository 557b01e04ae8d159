using System.Diagnostics;
using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

/// <summary>
/// A cgroup hierarchy mounted read-only (what systemd-nspawn, LXC and Docker give their payload) is not used for a
/// VM's cgroup: the VM runs with the warning instead of failing to start on EROFS (found in a systemd-nspawn boot of
/// the package). Mounts a real read-only tmpfs (the suite runs as root).
/// </summary>
public sealed class VmCgroupTests
{
    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }

    [Fact]
    public void A_read_only_mount_is_seen_as_read_only_and_a_writable_one_and_its_subdirectories_are_not()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-cgroup-ro-").FullName;
        var sub = Path.Combine(dir, "memory");
        try
        {
            Assert.False(VmCgroup.MountedReadOnly(dir));
            Run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "vireo-test", dir);
            Assert.True(VmCgroup.MountedReadOnly(dir));
            Assert.True(VmCgroup.MountedReadOnly(sub));
            Run("mount", "-o", "remount,rw", dir);
            Directory.CreateDirectory(sub);
            Assert.False(VmCgroup.MountedReadOnly(sub));
            Run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "vireo-test", sub);
            Assert.True(VmCgroup.MountedReadOnly(sub));
            Assert.False(VmCgroup.MountedReadOnly(dir));
        }
        finally
        {
            foreach (var mounted in new[] { sub, dir, dir })
                Process.Start("umount", ["-l", mounted])!.WaitForExit(); // those not mounted fail harmlessly
            Directory.Delete(dir, recursive: true);
        }
    }
}
