using System.Runtime.InteropServices;

namespace Vireo.Qemu;

/// <summary>
/// posix_spawn(3) with file actions: what .NET's Process cannot do (a child whose stdout/stderr is a file, extra
/// inherited descriptors at chosen numbers). Used to start QEMU; nothing here goes through a shell.
/// </summary>
internal static class NativeSpawn
{
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;
    private const int F_DUPFD_CLOEXEC = 1030;
    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POLLIN = 0x1;
    public const short POLLHUP = 0x10;

    // glibc x86_64: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128; generous buffers.
    private const int ActionsSize = 512;
    private const int AttrSize = 1024;
    private const int SigsetSize = 256;

    [DllImport("libc", SetLastError = true)] private static extern int posix_spawn_file_actions_init(IntPtr fa);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawn_file_actions_destroy(IntPtr fa);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawn_file_actions_addopen(IntPtr fa, int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int oflag, uint mode);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawn_file_actions_adddup2(IntPtr fa, int fd, int newfd);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawn_file_actions_addchdir_np(IntPtr fa, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawnattr_init(IntPtr attr);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawnattr_destroy(IntPtr attr);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawnattr_setflags(IntPtr attr, short flags);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawnattr_setsigmask(IntPtr attr, IntPtr set);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawnattr_setsigdefault(IntPtr attr, IntPtr set);
    [DllImport("libc", SetLastError = true)] private static extern int sigemptyset(IntPtr set);
    [DllImport("libc", SetLastError = true)] private static extern int sigfillset(IntPtr set);
    [DllImport("libc", SetLastError = true)] private static extern int posix_spawn(out int pid, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr fa, IntPtr attr, IntPtr[] argv, IntPtr[] envp);
    [DllImport("libc", SetLastError = true)] private static extern int waitpid(int pid, out int status, int options);
    [DllImport("libc", SetLastError = true)] private static extern int pipe2(int[] fds, int flags);
    [DllImport("libc", SetLastError = true)] private static extern int fcntl(int fd, int cmd, int arg);
    [DllImport("libc", SetLastError = true, EntryPoint = "open")] private static extern int OpenImport([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);
    [DllImport("libc", SetLastError = true)] private static extern int poll([In, Out] PollFd[] fds, ulong nfds, int timeout);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>A pipe, both ends close-on-exec: (read, write), or throws.</summary>
    public static (int Read, int Write) Pipe()
    {
        var fds = new int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw new IOException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        return (fds[0], fds[1]);
    }

    /// <summary>Opens <paramref name="path"/> with open(2) flags and O_CLOEXEC; returns the fd or -errno.</summary>
    public static int Open(string path, int flags, uint mode)
    {
        var fd = OpenImport(path, flags | O_CLOEXEC, mode);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>A close-on-exec duplicate numbered at least <paramref name="min"/>, so that dup2 targets below it never collide.</summary>
    public static int DupAbove(int fd, int min)
    {
        var r = fcntl(fd, F_DUPFD_CLOEXEC, min);
        if (r < 0) throw new IOException($"fcntl(F_DUPFD_CLOEXEC) failed: errno {Marshal.GetLastPInvokeError()}");
        return r;
    }

    /// <summary>Polls one fd without waiting: the revents bits, or 0.</summary>
    public static short PollNow(int fd)
    {
        var p = new[] { new PollFd { Fd = fd, Events = POLLIN } };
        return poll(p, 1, 0) > 0 ? p[0].Revents : (short)0;
    }

    /// <summary>Reaps a child; returns its wait status, or -1.</summary>
    public static int Wait(int pid)
    {
        while (true)
        {
            if (waitpid(pid, out var status, 0) == pid) return status;
            if (Marshal.GetLastPInvokeError() != 4 /* EINTR */) return -1;
        }
    }

    /// <summary>
    /// Spawns <paramref name="path"/> with <paramref name="argv"/> (argv[0] included) and exactly
    /// <paramref name="env"/>, working directory /, stdin /dev/null, stdout and stderr to <paramref name="outputFd"/>,
    /// and each (source, target) of <paramref name="inherit"/> duplicated onto target. Signal mask and dispositions
    /// are reset. Returns the child's pid; throws with errno text when it cannot be spawned.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, int outputFd, IReadOnlyList<(int Source, int Target)> inherit)
    {
        var fa = Marshal.AllocHGlobal(ActionsSize);
        var attr = Marshal.AllocHGlobal(AttrSize);
        var set = Marshal.AllocHGlobal(SigsetSize);
        var strings = new List<IntPtr>();
        try
        {
            Check(posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
            Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
            Check(posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0), "addopen");
            Check(posix_spawn_file_actions_adddup2(fa, outputFd, 1), "adddup2");
            Check(posix_spawn_file_actions_adddup2(fa, outputFd, 2), "adddup2");
            foreach (var (source, target) in inherit) Check(posix_spawn_file_actions_adddup2(fa, source, target), "adddup2");
            Check(posix_spawn_file_actions_addchdir_np(fa, "/"), "addchdir_np");
            sigemptyset(set);
            Check(posix_spawnattr_setsigmask(attr, set), "setsigmask");
            sigfillset(set);
            Check(posix_spawnattr_setsigdefault(attr, set), "setsigdefault");
            Check(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK), "setflags");
            var a = new IntPtr[argv.Count + 1];
            for (var i = 0; i < argv.Count; i++) strings.Add(a[i] = Marshal.StringToCoTaskMemUTF8(argv[i]));
            var e = new IntPtr[env.Count + 1];
            for (var i = 0; i < env.Count; i++) strings.Add(e[i] = Marshal.StringToCoTaskMemUTF8(env[i]));
            var rc = posix_spawn(out var pid, path, fa, attr, a, e);
            if (rc != 0) throw new IOException($"cannot run '{path}': {new System.ComponentModel.Win32Exception(rc).Message}");
            return pid;
        }
        finally
        {
            posix_spawn_file_actions_destroy(fa);
            posix_spawnattr_destroy(attr);
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
            Marshal.FreeHGlobal(fa);
            Marshal.FreeHGlobal(attr);
            Marshal.FreeHGlobal(set);
        }
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new IOException($"{what} failed: error {rc}");
    }
}
