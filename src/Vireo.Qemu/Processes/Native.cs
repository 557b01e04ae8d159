using System.Runtime.InteropServices;

namespace Vireo.Qemu;

/// <summary>The few Linux system calls .NET does not expose: signalling a process that is not our child.</summary>
internal static class Native
{
    public const int ESRCH = 3;
    public const int ENOSYS = 38;

    // glibc 2.36+ wrappers (Debian 12); kernels since 5.3. A pidfd pins the process it was opened for, so a
    // signal sent through it can never reach a process that recycled the PID.
    [DllImport("libc", SetLastError = true, EntryPoint = "pidfd_open")]
    private static extern int PidfdOpenImport(int pid, uint flags);

    [DllImport("libc", SetLastError = true, EntryPoint = "pidfd_send_signal")]
    private static extern int PidfdSendSignalImport(int pidfd, int sig, IntPtr info, uint flags);

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int KillImport(int pid, int sig);

    [DllImport("libc", SetLastError = true, EntryPoint = "close")]
    private static extern int CloseImport(int fd);

    /// <summary>Returns a pidfd, or -errno. -ENOSYS when the C library or kernel lacks pidfd_open.</summary>
    public static int PidfdOpen(int pid)
    {
        try
        {
            var fd = PidfdOpenImport(pid, 0);
            return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
        }
        catch (EntryPointNotFoundException)
        {
            return -ENOSYS;
        }
    }

    /// <summary>0 on success or -errno.</summary>
    public static int PidfdSendSignal(int pidfd, int signal) =>
        PidfdSendSignalImport(pidfd, signal, IntPtr.Zero, 0) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>0 on success or -errno.</summary>
    public static int Kill(int pid, int signal) => KillImport(pid, signal) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    public static void Close(int fd) => CloseImport(fd);
}
