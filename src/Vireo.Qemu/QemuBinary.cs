namespace Vireo.Qemu;

/// <summary>Finds the QEMU system emulator.</summary>
public static class QemuBinary
{
    /// <summary>Environment variable that names the emulator explicitly.</summary>
    public const string EnvironmentVariable = "VIREO_QEMU";

    /// <summary>
    /// VIREO_QEMU if set, else qemu-system-x86_64 on PATH, in /usr/bin or /usr/local/bin, else RHEL's
    /// /usr/libexec/qemu-kvm; null when none exists.
    /// </summary>
    public static string? Locate(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (env(EnvironmentVariable) is { Length: > 0 } explicitPath)
            return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        return FindOnPath("qemu-system-x86_64", env("PATH"))
            ?? new[] { "/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm" }.FirstOrDefault(File.Exists);
    }

    /// <summary>qemu-img on PATH or in /usr/bin; null when absent.</summary>
    public static string? LocateQemuImg(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        return FindOnPath("qemu-img", env("PATH")) ?? (File.Exists("/usr/bin/qemu-img") ? "/usr/bin/qemu-img" : null);
    }

    /// <summary>The first executable named <paramref name="name"/> in the PATH directories.</summary>
    public static string? FindOnPath(string name, string? path) =>
        (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
