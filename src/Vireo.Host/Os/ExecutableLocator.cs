namespace Vireo.Host.Os;

/// <summary>Finds programs the way a shell does (first executable match in PATH), then in the system directories.</summary>
internal static class ExecutableLocator
{
    public static string? Find(HostEnvironment env, string name)
    {
        foreach (var dir in env.SearchPath.Concat(env.SystemBinDirectories))
        {
            var candidate = Path.Combine(dir, name);
            if (IsExecutableFile(candidate)) return candidate;
        }
        return null;
    }

    public static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path)) return false;
        // Vireo runs on Linux only; the guard keeps the platform analyzer satisfied without marking every caller.
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
