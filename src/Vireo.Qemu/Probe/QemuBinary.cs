namespace Vireo.Qemu;

/// <summary>Finds the QEMU system emulator and qemu-img.</summary>
public static class QemuBinary
{
    /// <summary>Environment variable naming the emulator explicitly; it wins over every other location.</summary>
    public const string EmulatorVariable = "VIREO_QEMU";

    /// <summary>Environment variable naming qemu-img explicitly.</summary>
    public const string QemuImgVariable = "VIREO_QEMU_IMG";

    /// <summary>
    /// The emulator: $VIREO_QEMU, else qemu-system-x86_64 on PATH, in /usr/bin, or RHEL's /usr/libexec/qemu-kvm.
    /// Null when none exists.
    /// </summary>
    public static string? Locate() => LocateEmulator(Environment.GetEnvironmentVariable(EmulatorVariable));

    /// <summary>qemu-img: $VIREO_QEMU_IMG, else qemu-img on PATH or in /usr/bin. Null when none exists.</summary>
    public static string? LocateQemuImg() =>
        Locate(Environment.GetEnvironmentVariable(QemuImgVariable), "qemu-img", ["/usr/bin/qemu-img"]);

    internal static string? LocateEmulator(string? overridden) =>
        Locate(overridden, "qemu-system-x86_64", ["/usr/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm"]);

    private static string? Locate(string? overridden, string name, string[] fallbacks)
    {
        if (!string.IsNullOrEmpty(overridden)) return IsExecutable(overridden) ? Path.GetFullPath(overridden) : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (Path.IsPathFullyQualified(candidate) && IsExecutable(candidate)) return candidate;
        }
        return fallbacks.FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && (info.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
