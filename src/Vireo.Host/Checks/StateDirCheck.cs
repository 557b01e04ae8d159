using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>
/// The state directory exists (or can be created) and we can write in it. Proven by writing, not by permission
/// bits: root ignores those, but not a read-only mount. Leaves nothing behind.
/// </summary>
internal sealed class StateDirCheck : FileHostCheck
{
    public override string Id => HostCheckIds.StateDir;
    public override string Title => "State directory";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var dir = env.StateDir;
        if (File.Exists(dir))
            return Fail($"{dir} is a file, not a directory", $"remove {dir} or choose another state directory");
        if (Directory.Exists(dir))
        {
            return ProbeWrite(dir) is { } error
                ? Fail($"{dir} exists but is not writable: {error}", $"make it writable by the user running vireod (chown) or remount its file system read-write")
                : Pass($"{dir} exists and is writable");
        }

        var parent = NearestExisting(dir);
        if (parent is null || !Directory.Exists(parent))
            return Fail($"{dir} cannot be created: {parent ?? "its parent"} is not a directory", "choose another state directory");
        return ProbeWrite(parent) is { } parentError
            ? Fail($"{dir} does not exist and cannot be created in {parent}: {parentError}", $"mkdir -p {dir} as root and chown it to the user running vireod")
            : Pass($"{dir} does not exist yet; it will be created in {parent}");
    }

    /// <summary><paramref name="path"/> itself or its closest ancestor that exists (file or directory).</summary>
    internal static string? NearestExisting(string path)
    {
        for (var p = Path.GetFullPath(path); p is not null; p = Path.GetDirectoryName(p))
            if (Path.Exists(p)) return p;
        return null;
    }

    private static string? ProbeWrite(string dir)
    {
        var probe = Path.Combine(dir, $".vireo-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
