using System.Runtime.InteropServices;

namespace Vireo.Host.Os;

/// <summary>Real device nodes: statx(2) for the type, open(2) O_RDWR for usability (glibc, x86-64 and arm64 flag values).</summary>
public sealed partial class LinuxDeviceNodes : IDeviceNodes
{
    private const int AtFdCwd = -100;
    // STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID
    private const uint StatxMask = 0x1 | 0x2 | 0x8 | 0x10;
    private const uint SIfMt = 0xF000;
    private const uint SIfChr = 0x2000;

    /// <inheritdoc />
    public DeviceNode Inspect(string path)
    {
        // struct statx has the same layout on every architecture (unlike struct stat), so fixed offsets are safe:
        // stx_uid @20, stx_gid @24, stx_mode @28 (u16), stx_rdev_major @128, stx_rdev_minor @132; 256 bytes in all.
        Span<byte> buf = stackalloc byte[256];
        int rc;
        unsafe
        {
            fixed (byte* p = buf) rc = Statx(AtFdCwd, path, 0, StatxMask, p);
        }
        if (rc != 0) return DeviceNode.Missing;

        uint mode = BitConverter.ToUInt16(buf[28..30]);
        var uid = BitConverter.ToUInt32(buf[20..24]);
        var gid = BitConverter.ToUInt32(buf[24..28]);
        if ((mode & SIfMt) != SIfChr) return new DeviceNode(NodeKind.Other, Mode: mode & 0x1FF, Uid: uid, Gid: gid);
        return new DeviceNode(NodeKind.CharDevice, BitConverter.ToUInt32(buf[128..132]), BitConverter.ToUInt32(buf[132..136]),
            mode & 0x1FF, uid, gid);
    }

    /// <inheritdoc />
    public OpenError? TryOpenReadWrite(string path)
    {
        // The same call QEMU makes for /dev/kvm, so the answer is QEMU's answer (including root on a read-only
        // device, or ENXIO when the node exists but no driver is bound).
        var fd = Open(path, ORdWr | OCloExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return new OpenError(errno, Marshal.GetPInvokeErrorMessage(errno));
        }
        Close(fd);
        return null;
    }

    private const int ORdWr = 0x2;
    private const int OCloExec = 0x80000;

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
