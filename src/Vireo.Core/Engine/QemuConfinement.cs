using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Engine;

/// <summary>
/// Discretionary access control for QEMU, after libvirt's DAC driver (docs/security.md): every VM's QEMU runs as a
/// uid of its own, taken from <see cref="UidBase"/>.. and kept as the owner of the VM's directory (so it survives
/// restarts without a column of its own), with the shared group <see cref="GroupName"/>. Its own files (disks,
/// NVRAM, seed, serial log, directory) are owned by that uid with mode 0600/0700; shared read-only files (base
/// images, ISOs, kernels) must be readable by the group or everyone. One VM's QEMU can therefore not open another
/// VM's disk: the kernel refuses it (EACCES).
/// </summary>
internal static class QemuConfinement
{
    /// <summary>The group every QEMU runs with; created by scripts/deps.sh, or by vireod when missing.</summary>
    public const string GroupName = Vireo.Host.Linux.SystemGroups.Qemu;

    /// <summary>First per-VM uid. Far above login users (1000..60000) and the usual subuid ranges (100000..).</summary>
    public const int UidBase = 900_000_000;

    /// <summary>How many per-VM uids there are.</summary>
    public const int UidCount = 1_000_000;

    private static readonly Lock Gate = new();
    private static int? _gid;

    [DllImport("libc", SetLastError = true)] private static extern int ioctl(int fd, ulong request, byte[] arg);
    [DllImport("libc", SetLastError = true, EntryPoint = "open")] private static extern int OpenImport([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true, EntryPoint = "close")] private static extern int CloseImport(int fd);

    /// <summary>Closes descriptors from <see cref="OpenTap"/>.</summary>
    public static void Close(IEnumerable<int> fds)
    {
        foreach (var fd in fds) CloseImport(fd);
    }

    /// <summary>
    /// Creates (or attaches to) tap <paramref name="name"/> and returns one descriptor per queue, as libvirt does
    /// for an unprivileged QEMU: TUNSETIFF with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR (and IFF_MULTI_QUEUE for several
    /// queues). The tap is not persistent: it vanishes when the last descriptor (QEMU's) is closed.
    /// </summary>
    public static int[] OpenTap(string name, int queues)
    {
        var fds = new List<int>();
        try
        {
            for (var q = 0; q < queues; q++)
            {
                var fd = OpenImport("/dev/net/tun", 0x2 | 0x80000 /* O_RDWR | O_CLOEXEC */);
                if (fd < 0)
                    throw new Errors.HostOperationException($"cannot open /dev/net/tun for tap {name}: {Strerror(Marshal.GetLastPInvokeError())}");
                fds.Add(fd);
                var ifr = new byte[40];
                Encoding.ASCII.GetBytes(name, 0, Math.Min(name.Length, 15), ifr, 0);
                short flags = 0x0002 | 0x1000 | 0x4000; // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
                if (queues > 1) flags |= 0x0100; // IFF_MULTI_QUEUE
                BinaryPrimitives.WriteInt16LittleEndian(ifr.AsSpan(16), flags);
                if (ioctl(fd, 0x400454ca /* TUNSETIFF */, ifr) != 0)
                    throw new Errors.HostOperationException(
                        $"cannot create tap {name}: {Strerror(Marshal.GetLastPInvokeError())} (is another network interface named {name}?)");
            }
            return [.. fds];
        }
        catch
        {
            Close(fds);
            throw;
        }
    }

    /// <summary>The C library's text for an errno value, with the number ("Device or resource busy (errno 16)").</summary>
    private static string Strerror(int errno) => $"{new System.ComponentModel.Win32Exception(errno).Message} (errno {errno})";

    [DllImport("libc", SetLastError = true)] private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    /// <summary>The gid of <see cref="GroupName"/>; creates the system group (groupadd --system) when it is missing.</summary>
    public static int Gid
    {
        get
        {
            lock (Gate)
                return _gid ??= Vireo.Host.Linux.SystemGroups.Ensure(GroupName);
        }
    }

    /// <summary>
    /// The VM's uid: the owner of its directory when that is in the range, else the lowest uid no other VM directory
    /// under <paramref name="vmsDir"/> holds. The directory is (re)made 0700, owned by uid:<see cref="Gid"/>.
    /// </summary>
    public static int UidFor(VmPaths paths, string vmsDir)
    {
        var gid = Gid;
        lock (Gate)
        {
            Directory.CreateDirectory(paths.Dir);
            // Host-wide (QemuUidRegistry): every vireod on this host, whatever its state directory, takes uids there.
            using var registry = QemuUidRegistry.Lock();
            var dir = Path.GetFullPath(paths.Dir);
            var uid = OwnerOf(dir);
            if (uid is not (>= UidBase and < UidBase + UidCount) || !registry.Claim(uid.Value, dir))
            {
                // This state directory's VM directories count as taken too (an older vireod did not register them).
                var taken = new HashSet<int>();
                foreach (var other in Directory.EnumerateDirectories(vmsDir))
                    if (OwnerOf(other) is { } o && Path.GetFullPath(other) != dir) taken.Add(o);
                uid = UidBase;
                while (uid < UidBase + UidCount && (taken.Contains(uid.Value) || !registry.Claim(uid.Value, dir))) uid++;
                if (uid >= UidBase + UidCount)
                    throw new InvalidStateException($"all {UidCount} QEMU uids from {UidBase} are taken on this host ({QemuUidRegistry.Dir})");
            }
            Own(dir, uid.Value, gid, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return uid.Value;
        }
    }

    /// <summary>
    /// The first directory on the way to <paramref name="dir"/> (it included, where it exists) that a QEMU uid (not
    /// its owner; group <see cref="GroupName"/>) cannot search, with its mode and the fix; null when QEMU gets through.
    /// QEMU opens its sockets, disks and logs under STATE/vms/UUID, so the whole way must be open to it.
    /// </summary>
    public static InvalidStateException? Unreachable(string dir)
    {
        var gid = Vireo.Host.Linux.SystemGroups.Find(GroupName);
        var full = Path.GetFullPath(dir);
        var chain = new List<string>();
        for (var d = full; d is not null; d = Path.GetDirectoryName(d)) chain.Add(d);
        chain.Reverse();
        foreach (var d in chain)
        {
            UnixStat st;
            try
            {
                st = UnixStat.Of(d);
            }
            catch (IOException)
            {
                return null; // not made yet: vireod makes it 0755
            }
            var searchable = (st.Mode & 0x1) != 0 || (gid is { } g && st.Gid == g && (st.Mode & 0x8) != 0);
            if (!searchable)
                return new InvalidStateException($"QEMU runs as a uid of its own (group {GroupName}) and cannot reach the VM directories in {full}: " +
                        $"the directory {d} has mode {Convert.ToString(st.Mode & 0xfff, 8).PadLeft(4, '0')} (owner uid {st.Uid}), which does not let other users through")
                {
                    Hint = $"Let QEMU through with chmod o+x {d}, or choose a state directory under /var/lib: vireod --state-dir /var/lib/vireo",
                };
        }
        return null;
    }

    private static int? OwnerOf(string path)
    {
        try
        {
            return (int)UnixStat.Of(path).Uid;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Makes <paramref name="path"/> the VM's own: owner uid, group <see cref="GroupName"/>, the given mode.</summary>
    public static void Own(string path, int uid, int gid, UnixFileMode mode)
    {
        if (chown(path, uid, gid) != 0)
            throw new IOException($"cannot give {path} to QEMU's user {uid}: errno {Marshal.GetLastPInvokeError()}");
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>The VM's own file that QEMU writes (disk, NVRAM, overlay, backup target): uid:vireo-qemu 0600.</summary>
    public static void OwnFile(string path, int uid) =>
        Own(path, uid, Gid, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>
    /// Supplementary groups for QEMU: the group of /dev/kvm when KVM is used and the node is open to its group.
    /// </summary>
    public static IReadOnlyList<int> KvmGroups(string accel)
    {
        if (accel != "kvm") return [];
        try
        {
            var st = UnixStat.Of("/dev/kvm");
            return (st.Mode & 0x30) == 0x30 && (st.Mode & 0x6) != 0x6 ? [st.Gid] : [];
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>
    /// KVM as QEMU sees it: QEMU runs unprivileged, so /dev/kvm must be open to everyone or to its group (added to
    /// QEMU's groups at launch); a node only root can open (0600, as kvm_pvm makes it) means TCG.
    /// </summary>
    public static Vireo.Host.KvmStatus ForQemuUser(Vireo.Host.KvmStatus status)
    {
        if (!status.Usable && !status.PvmOnly) return status;
        try
        {
            var st = UnixStat.Of(status.DevicePath);
            if ((st.Mode & 0x6) == 0x6 || (st.Mode & 0x30) == 0x30) return status;
        }
        catch (IOException)
        {
        }
        return new Vireo.Host.KvmStatus(false, status.DevicePath,
            $"{status.Detail}; QEMU runs unprivileged (docs/security.md) and {status.DevicePath} is open only to its owner",
            $"open it to the kvm group: chgrp kvm {status.DevicePath} && chmod 0660 {status.DevicePath}");
    }

    /// <summary>
    /// Null when QEMU running as uid:<see cref="Gid"/> can reach <paramref name="path"/> (every directory above it
    /// searchable, the file readable, and writable when <paramref name="write"/>), else what is missing and the fix.
    /// </summary>
    public static string? CheckAccess(string path, int uid, bool write)
    {
        var gid = Gid;
        var full = Path.GetFullPath(path);
        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (!Allowed(dir, uid, gid, x: true, r: false, w: false))
                return $"QEMU runs as uid {uid} (group {GroupName}) and cannot reach {full}: the directory {dir} is not searchable by it; " +
                       $"let the group in (chgrp {GroupName} {dir} && chmod g+x {dir}) or keep the file in a storage pool";
        }
        if (!Allowed(full, uid, gid, x: false, r: true, w: write))
            return $"QEMU runs as uid {uid} (group {GroupName}) and cannot {(write ? "write" : "read")} {full}; " +
                   $"make it {(write ? "writable" : "readable")} by the group (chgrp {GroupName} {full} && chmod g+{(write ? "rw" : "r")} {full})";
        return null;
    }

    private static bool Allowed(string path, int uid, int gid, bool x, bool r, bool w)
    {
        UnixStat info;
        try
        {
            info = UnixStat.Of(path);
        }
        catch (IOException)
        {
            return true; // a missing file is QEMU's error to report, with its own message
        }
        var mode = (int)info.Mode;
        var shift = info.Uid == uid ? 6 : info.Gid == gid ? 3 : 0;
        var bits = (mode >> shift) & 7;
        return (!x || (bits & 1) != 0) && (!r || (bits & 4) != 0) && (!w || (bits & 2) != 0);
    }

    /// <summary>
    /// The backing files of a qcow2 image, nearest first, each with the format its parent records. A backing file
    /// without a recorded format would be probed by QEMU, which lets a guest that writes a raw disk's first bytes
    /// turn it into a qcow2 pointing at any host file: refused here, as libvirt refuses it.
    /// </summary>
    public static IReadOnlyList<(string Path, string Format)> BackingChain(string image, string field)
    {
        var chain = new List<(string, string)>();
        var current = image;
        for (var depth = 0; depth < 64; depth++)
        {
            var (backing, format) = ReadQcow2Backing(current);
            if (backing is null) return chain;
            if (format is null)
                throw InvalidInputException.For("disk", [new FieldError
                {
                    Field = field, Value = current,
                    Message = $"has the backing file {backing} with no recorded format, which QEMU would have to probe (a guest could then make a raw disk look like an image pointing at any host file)",
                    Hint = $"Record the format: qemu-img rebase -u -b {backing} -F qcow2 (or raw) {current}",
                }]);
            var resolved = Path.IsPathRooted(backing) ? backing : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(current))!, backing);
            chain.Add((resolved, format));
            if (format != "qcow2") return chain;
            current = resolved;
        }
        return chain;
    }

    /// <summary>The backing file name and backing format of a qcow2 file (nulls when it has none or is not qcow2).</summary>
    internal static (string? Backing, string? Format) ReadQcow2Backing(string path)
    {
        byte[] header;
        try
        {
            using var f = File.OpenRead(path);
            header = new byte[Math.Min(f.Length, 65536)];
            f.ReadExactly(header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
        if (header.Length < 72 || BinaryPrimitives.ReadUInt32BigEndian(header) != 0x514649fb) return (null, null);
        var version = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        var offset = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
        var size = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        if (offset == 0 || size == 0 || offset + size > (ulong)header.Length) return (null, null);
        var backing = Encoding.UTF8.GetString(header, (int)offset, (int)size);
        string? format = null;
        // Header extensions follow the header (72 bytes in v2, header_length in v3): 0xe2792aca is the backing format.
        var pos = version >= 3 ? (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(100)) : 72;
        while (pos + 8 <= header.Length)
        {
            var type = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(pos));
            var len = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(pos + 4));
            if (type == 0 || pos + 8 + len > header.Length) break;
            if (type == 0xe2792aca) format = Encoding.UTF8.GetString(header, pos + 8, len);
            pos += 8 + ((len + 7) & ~7);
        }
        return (backing, format);
    }
}

/// <summary>Owner, group and mode of a file, from stat(2) (.NET exposes only the mode).</summary>
internal readonly record struct UnixStat(int Uid, int Gid, int Mode)
{
    [DllImport("libc", SetLastError = true, EntryPoint = "stat")]
    private static extern int StatImport([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buf);

    /// <summary>Throws <see cref="IOException"/> when the path cannot be stat'ed.</summary>
    public static UnixStat Of(string path)
    {
        // x86_64 and aarch64 glibc struct stat: st_mode at 24, st_uid at 28, st_gid at 32 (x86_64);
        // aarch64: st_mode at 16, st_uid at 24, st_gid at 28.
        var buf = new byte[256];
        if (StatImport(path, buf) != 0) throw new IOException($"stat {path}: errno {Marshal.GetLastPInvokeError()}");
        return RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? new UnixStat(BitConverter.ToInt32(buf, 24), BitConverter.ToInt32(buf, 28), BitConverter.ToInt32(buf, 16))
            : new UnixStat(BitConverter.ToInt32(buf, 28), BitConverter.ToInt32(buf, 32), BitConverter.ToInt32(buf, 24));
    }
}
