using System.Runtime.InteropServices;

namespace Vireo.Host.Os;

/// <summary>
/// Keeps descriptors vireod inherited out of the processes it starts. A daemon started from a shell, an SSH session
/// or a test runner can inherit open descriptors beyond 0-2 (a pipe the caller waits on for end-of-file, say).
/// .NET marks its own descriptors close-on-exec but not inherited ones, so every qemu-img, dnsmasq and QEMU started
/// by vireod kept them, and QEMU outlives vireod: `ssh host 'vireod &'` would never see its pipe close while a VM
/// ran. libvirt closes every descriptor but the ones it passes when it starts QEMU; vireod marks them all
/// close-on-exec at start, which leaves vireod itself (and the runtime's own descriptors) untouched.
/// </summary>
public static partial class InheritedDescriptors
{
    private const uint CloseRangeCloexec = 4; // CLOSE_RANGE_CLOEXEC, Linux 5.11+
    private const int FGetFd = 1, FSetFd = 2, FdCloexec = 1;

    /// <summary>Marks every descriptor from 3 up close-on-exec.</summary>
    public static void MarkCloseOnExec()
    {
        if (!OperatingSystem.IsLinux())
            return;
        if (CloseRange(3, uint.MaxValue, CloseRangeCloexec) == 0)
            return;
        // Older kernels: one fcntl per open descriptor.
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out var fd) && fd >= 3)
            {
                var flags = Fcntl(fd, FGetFd, 0);
                if (flags >= 0 && (flags & FdCloexec) == 0)
                    _ = Fcntl(fd, FSetFd, flags | FdCloexec);
            }
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "close_range")]
    private static partial int CloseRange(uint first, uint last, uint flags);

    [LibraryImport("libc.so.6", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);
}
