using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Vireo.Qmp.Framing;

/// <summary>sendmsg(2) with one SCM_RIGHTS descriptor: how libvirt hands QEMU a tap (QMP getfd) it may not open itself.</summary>
internal static unsafe class FdPassing
{
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint sendmsg(nint fd, MsgHdr* msg, int flags);

    public static void Send(Socket socket, byte[] message, int fd)
    {
        var sent = 0;
        var first = true;
        fixed (byte* data = message)
        {
            // cmsghdr (len, level, type) + one int, padded: CMSG_SPACE(4) = 24 on 64-bit Linux.
            var control = stackalloc byte[24];
            new Span<byte>(control, 24).Clear();
            *(nuint*)control = 20; // CMSG_LEN(sizeof(int))
            *(int*)(control + 8) = 1; // SOL_SOCKET
            *(int*)(control + 12) = 1; // SCM_RIGHTS
            *(int*)(control + 16) = fd;
            while (sent < message.Length)
            {
                var iov = new IoVec { Base = data + sent, Len = (nuint)(message.Length - sent) };
                var hdr = new MsgHdr { Iov = &iov, IovLen = 1, Control = first ? control : null, ControlLen = first ? 24u : 0u };
                var n = sendmsg(socket.Handle, &hdr, 0x4000 /* MSG_NOSIGNAL */);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno is 11 or 4) // EAGAIN (.NET sockets are non-blocking), EINTR
                    {
                        Thread.Sleep(1);
                        continue;
                    }
                    throw new IOException($"sendmsg with a descriptor failed: errno {errno}");
                }
                first = false;
                sent += (int)n;
            }
        }
    }
}
