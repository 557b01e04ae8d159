using System.Globalization;
using System.Runtime.InteropServices;

namespace Vireo.Core.Engine;

/// <summary>
/// The host-wide record of which per-VM QEMU uid belongs to which VM directory, so that two vireods with their own
/// state directories never give two VMs the same uid (docs/security.md). One file per uid taken,
/// <c>/var/lib/vireo-uids/UID</c>, holding the VM directory (<c>STATE/vms/UUID</c>) that owns it, written atomically
/// under an exclusive flock of <c>.lock</c> there. An entry is stale, and its uid free again, once its VM directory is
/// gone (VM undefined, state directory removed) or owned by another uid; the VM directory's owner stays the record
/// each vireod reads first.
/// </summary>
internal sealed class QemuUidRegistry : IDisposable
{
    /// <summary>Where the entries are; one directory for the whole host.</summary>
    public static string Dir { get; set; } = "/var/lib/vireo-uids";

    [DllImport("libc", SetLastError = true, EntryPoint = "open")] private static extern int OpenImport([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
    [DllImport("libc", SetLastError = true, EntryPoint = "flock")] private static extern int FlockImport(int fd, int operation);
    [DllImport("libc", SetLastError = true, EntryPoint = "close")] private static extern int CloseImport(int fd);

    private readonly int _fd;

    private QemuUidRegistry(int fd) => _fd = fd;

    /// <summary>Takes the host-wide lock (waits for another vireod's allocation to end).</summary>
    public static QemuUidRegistry Lock()
    {
        Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var fd = OpenImport(Path.Combine(Dir, ".lock"), 0x2 | 0x40 | 0x80000 /* O_RDWR | O_CREAT | O_CLOEXEC */, 0x180);
        if (fd < 0)
            throw new IOException($"cannot open {Path.Combine(Dir, ".lock")}: errno {Marshal.GetLastPInvokeError()}");
        while (FlockImport(fd, 2 /* LOCK_EX */) != 0)
        {
            if (Marshal.GetLastPInvokeError() == 4 /* EINTR */) continue;
            var errno = Marshal.GetLastPInvokeError();
            CloseImport(fd);
            throw new IOException($"cannot lock {Path.Combine(Dir, ".lock")}: errno {errno}");
        }
        return new QemuUidRegistry(fd);
    }

    /// <summary>The VM directory registered for <paramref name="uid"/>, or null.</summary>
    public static string? Holder(int uid)
    {
        var entry = Path.Combine(Dir, uid.ToString(CultureInfo.InvariantCulture));
        try
        {
            return File.Exists(entry) ? File.ReadAllText(entry).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Registers <paramref name="uid"/> for <paramref name="vmDir"/> unless a live VM directory elsewhere holds it
    /// (then false). A stale entry is taken over.
    /// </summary>
    public bool Claim(int uid, string vmDir)
    {
        var holder = Holder(uid);
        if (holder == vmDir) return true;
        if (holder is not null && IsLive(holder, uid)) return false;
        Vireo.Host.Os.AtomicFile.Write(Path.Combine(Dir, uid.ToString(CultureInfo.InvariantCulture)), vmDir + "\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return true;
    }

    private static bool IsLive(string vmDir, int uid)
    {
        try
        {
            return Directory.Exists(vmDir) && UnixStat.Of(vmDir).Uid == uid;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => CloseImport(_fd); // closing the descriptor drops the flock
}
