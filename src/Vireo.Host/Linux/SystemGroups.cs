using System.Runtime.InteropServices;

namespace Vireo.Host.Linux;

/// <summary>The system groups Vireo relies on (vireo: the API socket; vireo-qemu: every QEMU), made when missing.</summary>
public static class SystemGroups
{
    /// <summary>Members may use the Unix API socket (root:vireo 0660).</summary>
    public const string Api = "vireo";

    /// <summary>The group every QEMU runs with (docs/security.md).</summary>
    public const string Qemu = "vireo-qemu";

    private static readonly Lock Gate = new();

    [DllImport("libc", SetLastError = true, EntryPoint = "chown")]
    private static extern int ChownImport([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    /// <summary>The gid of <paramref name="name"/>, created with groupadd --system when it does not exist.</summary>
    /// <exception cref="InvalidOperationException">It does not exist and could not be created; the message says how.</exception>
    public static int Ensure(string name)
    {
        lock (Gate)
        {
            if (Find(name) is { } gid) return gid;
            var r = new Os.ProcessCommandRunner().RunAsync("groupadd", ["--system", name], TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult();
            return Find(name) ?? throw new InvalidOperationException(
                $"the system group {name} does not exist and could not be created ({(r.StartError ?? r.Stderr).Trim()}); create it as a system group (scripts/deps.sh does)");
        }
    }

    /// <summary>The gid of <paramref name="name"/> from /etc/group, or null.</summary>
    public static int? Find(string name)
    {
        foreach (var line in File.ReadLines("/etc/group"))
        {
            var f = line.Split(':');
            if (f.Length >= 3 && f[0] == name && int.TryParse(f[2], out var gid)) return gid;
        }
        return null;
    }

    /// <summary>chown(2); throws <see cref="IOException"/> with errno.</summary>
    public static void Chown(string path, int uid, int gid)
    {
        if (ChownImport(path, uid, gid) != 0)
            throw new IOException($"chown {uid}:{gid} {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
