namespace Vireo.Host.Os;

/// <summary>
/// The one place host checks touch device nodes. A fixture tree in git cannot hold a character device, and opening
/// a regular file proves nothing about a device, so this is the seam fixture tests replace; the real
/// <see cref="LinuxDeviceNodes"/> is covered by tests on the real host.
/// </summary>
public interface IDeviceNodes
{
    /// <summary>What is at <paramref name="path"/> (symlinks followed).</summary>
    DeviceNode Inspect(string path);

    /// <summary>open(2)s <paramref name="path"/> O_RDWR and closes it again. Returns null on success, else why not.</summary>
    OpenError? TryOpenReadWrite(string path);
}

/// <summary>Why open(2) failed.</summary>
/// <param name="Errno">The errno value (Linux numbering).</param>
/// <param name="Message">strerror text, e.g. <c>Permission denied</c>.</param>
public sealed record OpenError(int Errno, string Message)
{
    /// <summary>EACCES or EPERM: a matter of permissions, not of the device.</summary>
    public bool IsPermissionDenied => Errno is 13 or 1;

    /// <summary>The strerror text.</summary>
    public override string ToString() => Message;
}

/// <summary>Kind of file system object found at a path.</summary>
public enum NodeKind
{
    /// <summary>Nothing there.</summary>
    Missing,
    /// <summary>A character device.</summary>
    CharDevice,
    /// <summary>Something else (regular file, directory, block device, socket...).</summary>
    Other,
}

/// <summary>A stat(2) of a device node.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Major">Device major number (character devices only).</param>
/// <param name="Minor">Device minor number (character devices only).</param>
/// <param name="Mode">Permission bits, e.g. 0660 (octal).</param>
/// <param name="Uid">Owner user id.</param>
/// <param name="Gid">Owner group id.</param>
public sealed record DeviceNode(NodeKind Kind, uint Major = 0, uint Minor = 0, uint Mode = 0, uint Uid = 0, uint Gid = 0)
{
    /// <summary>Nothing at the path.</summary>
    public static readonly DeviceNode Missing = new(NodeKind.Missing);

    /// <summary>Like <c>ls -l</c>: <c>crw-rw---- 10:232</c>.</summary>
    public string Describe() => Kind switch
    {
        NodeKind.CharDevice => $"c{PermissionString(Mode)} {Major}:{Minor}",
        NodeKind.Other => "not a character device",
        _ => "missing",
    };

    private static string PermissionString(uint mode)
    {
        Span<char> s = stackalloc char[9];
        const string letters = "rwxrwxrwx";
        for (var i = 0; i < 9; i++) s[i] = (mode & (1u << (8 - i))) != 0 ? letters[i] : '-';
        return new string(s);
    }
}
