using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;

namespace Vireo.Core.Engine;

/// <summary>
/// Ownership given back, as libvirt's DAC driver restores labels: before a file becomes the VM's own
/// (uid:vireo-qemu 0600) its original owner, group and mode are remembered in the store (one row per VM, written
/// before the chown, so a vireod killed in between still knows them); when QEMU is gone (shutdown, destroy, crash,
/// failed start, or found dead at re-attach) and when a disk is unplugged, each file still owned by the VM's uid gets
/// them back. The file is opened without following any symbolic link (QEMU may rename entries in its own 0700
/// directory), so the give-back never changes another file.
/// </summary>
internal sealed partial class VirtualMachine
{
    private readonly Lock _ownersGate = new();

    private string OwnersKey => $"qemu-owners/{Uuid}";

    private sealed record OriginalOwner(int Uid, int Gid, int Mode, string Real, string Given);

    /// <summary>Makes <paramref name="path"/> QEMU's (uid:vireo-qemu 0600), remembering who owned it before.</summary>
    private void OwnForQemu(string path, int uid)
    {
        var full = Path.GetFullPath(path);
        // A link in a directory a QEMU uid owns was put there by QEMU: following it would give QEMU any file.
        if (new FileInfo(full).LinkTarget is not null && Path.GetDirectoryName(full) is { } parent
            && UnixStat.Of(parent).Uid is >= QemuConfinement.UidBase and < QemuConfinement.UidBase + QemuConfinement.UidCount)
            throw new InvalidStateException($"{full} is a symbolic link in a directory that QEMU owns ({parent}); it is not given to QEMU");
        var real = RealPath(full) ?? full;
        var st = UnixStat.Of(real);
        if (st.Uid != uid)
        {
            lock (_ownersGate)
            {
                var owners = LoadOwners();
                if (!owners.Any(o => o.Real == real))
                {
                    owners.Add(new OriginalOwner(st.Uid, st.Gid, st.Mode & 0xfff, real, full));
                    SaveOwners(owners);
                }
            }
        }
        QemuConfinement.OwnFile(real, uid);
    }

    /// <summary>
    /// Gives the files back to their original owners (all, or those among <paramref name="only"/>): each one still
    /// owned by the VM's uid gets its owner, group and mode back; the record is dropped either way.
    /// </summary>
    private void GiveBackFiles(IReadOnlyCollection<string>? only = null)
    {
        lock (_ownersGate)
        {
            var owners = LoadOwners();
            if (owners.Count == 0) return;
            int? uid = null;
            try
            {
                var st = UnixStat.Of(Paths.Dir);
                if (st.Uid is >= QemuConfinement.UidBase and < QemuConfinement.UidBase + QemuConfinement.UidCount) uid = st.Uid;
            }
            catch (IOException)
            {
            }
            var wanted = only?.Select(p => Path.GetFullPath(p)).ToHashSet();
            var kept = new List<OriginalOwner>();
            foreach (var o in owners)
            {
                if (wanted is not null && !wanted.Contains(o.Given) && !wanted.Contains(o.Real) && !(RealPath(o.Given) is { } r && wanted.Contains(r)))
                {
                    kept.Add(o);
                    continue;
                }
                if (uid is { } u && Restore(o, u) is { } problem)
                    Log.LogWarning("VM {Name}: cannot give {File} back to uid {Uid}: {Problem}", Name, o.Real, o.Uid, problem);
            }
            SaveOwners(kept);
        }
    }

    private List<OriginalOwner> LoadOwners()
    {
        var list = new List<OriginalOwner>();
        foreach (var line in (_ctx.Store.GetMeta(OwnersKey) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            if (f.Length == 5 && int.TryParse(f[0], CultureInfo.InvariantCulture, out var u) && int.TryParse(f[1], CultureInfo.InvariantCulture, out var g)
                && int.TryParse(f[2], CultureInfo.InvariantCulture, out var m))
                list.Add(new OriginalOwner(u, g, m, f[3], f[4]));
        }
        return list;
    }

    private void SaveOwners(List<OriginalOwner> owners)
    {
        var text = new StringBuilder();
        foreach (var o in owners.Where(o => !o.Real.Contains('\n') && !o.Real.Contains('\t') && !o.Given.Contains('\n') && !o.Given.Contains('\t')))
            text.Append(CultureInfo.InvariantCulture, $"{o.Uid}\t{o.Gid}\t{o.Mode}\t{o.Real}\t{o.Given}\n");
        _ctx.Store.SetMeta(OwnersKey, text.ToString());
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "syscall")] private static extern long Openat2(long number, int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] how, ulong size);
    [DllImport("libc", SetLastError = true, EntryPoint = "open")] private static extern int OpenNoFollow([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true, EntryPoint = "fstat")] private static extern int Fstat(int fd, byte[] buf);
    [DllImport("libc", SetLastError = true, EntryPoint = "fchown")] private static extern int Fchown(int fd, int uid, int gid);
    [DllImport("libc", SetLastError = true, EntryPoint = "fchmod")] private static extern int Fchmod(int fd, int mode);
    [DllImport("libc", SetLastError = true, EntryPoint = "close")] private static extern int CloseFd(int fd);
    [DllImport("libc", SetLastError = true, EntryPoint = "realpath")] private static extern IntPtr RealPathImport([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);
    [DllImport("libc", EntryPoint = "free")] private static extern void Free(IntPtr p);

    /// <summary>realpath(3): the path with every link resolved, or null when it does not exist.</summary>
    private static string? RealPath(string path)
    {
        var p = RealPathImport(path, IntPtr.Zero);
        if (p == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            Free(p);
        }
    }

    /// <summary>Gives one file back when it is still <paramref name="uid"/>'s; null when done or nothing to do.</summary>
    private static string? Restore(OriginalOwner o, int uid)
    {
        const int flags = 0 | 0x800 | 0x100 | 0x80000; // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
        // openat2 with RESOLVE_NO_SYMLINKS: no link anywhere on the recorded (resolved) path.
        var how = new byte[24];
        BitConverter.TryWriteBytes(how.AsSpan(0), (ulong)flags);
        BitConverter.TryWriteBytes(how.AsSpan(16), 0x04UL /* RESOLVE_NO_SYMLINKS */);
        var fd = (int)Openat2(437 /* SYS_openat2 */, -100 /* AT_FDCWD */, o.Real, how, 24);
        if (fd < 0 && Marshal.GetLastPInvokeError() == 38 /* ENOSYS */)
            fd = OpenNoFollow(o.Real, flags | 0x20000 /* O_NOFOLLOW */);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == 2 /* ENOENT */ ? null : $"cannot open it without following links (errno {errno})";
        }
        try
        {
            var buf = new byte[256];
            if (Fstat(fd, buf) != 0) return $"fstat: errno {Marshal.GetLastPInvokeError()}";
            var arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
            var mode = BitConverter.ToInt32(buf, arm ? 16 : 24);
            var owner = BitConverter.ToInt32(buf, arm ? 24 : 28);
            var type = mode & 0xf000;
            if (owner != uid || type is not (0x8000 or 0x6000)) return null; // re-owned since, or not a file or block device
            if (Fchown(fd, o.Uid, o.Gid) != 0) return $"fchown: errno {Marshal.GetLastPInvokeError()}";
            if (Fchmod(fd, o.Mode) != 0) return $"fchmod: errno {Marshal.GetLastPInvokeError()}";
            return null;
        }
        finally
        {
            CloseFd(fd);
        }
    }
}
