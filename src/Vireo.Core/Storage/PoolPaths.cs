namespace Vireo.Core.Storage;

/// <summary>Path rules for pool directories: canonical form, containment, and directories a pool must never be.</summary>
internal static class PoolPaths
{
    /// <summary>A pool here would mix VM images with the system's own files.</summary>
    private static readonly string[] Forbidden = ["/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr"];

    /// <summary>Trees no pool may be inside of (kernel pseudo file systems).</summary>
    private static readonly string[] ForbiddenTrees = ["/dev", "/proc", "/sys"];

    /// <summary>
    /// The absolute path with ".", ".." and symbolic links resolved as far as the path exists, so that two spellings
    /// of one directory compare equal (a pool reached through a link is still the same pool).
    /// </summary>
    public static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = new DirectoryInfo(next);
            if (!info.Exists && !File.Exists(next))
                return Path.Combine([next, .. parts[(i + 1)..]]);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                next = Canonical(target.FullName);
            current = next;
        }
        return current.Length > 1 ? current.TrimEnd('/') : current;
    }

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies below it.</summary>
    public static bool IsSameOrInside(string inner, string outer)
    {
        if (inner == outer) return true;
        var prefix = outer.EndsWith('/') ? outer : outer + "/";
        return inner.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>Null when a pool may live at <paramref name="canonical"/>; otherwise why not.</summary>
    public static string? SystemProblem(string canonical)
    {
        if (Forbidden.Contains(canonical))
            return "is a system directory; give a directory of its own for the pool, e.g. /srv/vireo/NAME";
        if (ForbiddenTrees.Any(t => IsSameOrInside(canonical, t)))
            return "is inside a kernel pseudo file system; give a directory on a real disk";
        return null;
    }
}
