using System.Globalization;

namespace Vireo.Core.Specs;

/// <summary>
/// The host facts spec validation needs, injected so that <see cref="VmSpecValidator"/> stays a pure function
/// (tests pass a 2-CPU host and a fake file system; the daemon passes <see cref="FromCurrentHost"/>).
/// </summary>
public sealed record HostLimits
{
    /// <summary>Logical CPUs of the host; the most vCPUs one VM may have.</summary>
    public required int HostCpus { get; init; }

    /// <summary>Total host memory in MiB; the most memory one VM may have.</summary>
    public required long HostMemoryMiB { get; init; }

    /// <summary>Whether a regular file exists at an absolute path (kernels, initrds, disk images).</summary>
    public Func<string, bool> FileExists { get; init; } = File.Exists;

    /// <summary>Whether KVM is usable; null when unknown, which skips the checks that depend on it.</summary>
    public bool? KvmAvailable { get; init; }

    /// <summary>
    /// Whether a VM may ask for KVM with <c>accel: kvm</c>; null means the same as <see cref="KvmAvailable"/>. It
    /// differs on a PVM host, where KVM runs only guest kernels built for PVM: never chosen, but allowed on request.
    /// </summary>
    public bool? KvmRequestable { get; init; }

    /// <summary>
    /// Why UEFI firmware cannot be used (argument: Secure Boot wanted), or null when it can; the function itself
    /// null skips the check.
    /// </summary>
    public Func<bool, string?>? UefiMissing { get; init; }

    /// <summary>
    /// Limits of the machine this process runs on: <see cref="Environment.ProcessorCount"/> and MemTotal from
    /// /proc/meminfo. KVM availability is left unknown; set it from the host check, which actually opens /dev/kvm.
    /// </summary>
    public static HostLimits FromCurrentHost() => new()
    {
        HostCpus = Environment.ProcessorCount,
        HostMemoryMiB = ReadMemTotalMiB("/proc/meminfo"),
    };

    internal static long ReadMemTotalMiB(string meminfoPath)
    {
        // "MemTotal:       24576000 kB" (the kernel's kB are KiB).
        foreach (var line in File.ReadLines(meminfoPath))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[1], CultureInfo.InvariantCulture) / 1024;
        }
        throw new InvalidDataException($"{meminfoPath} has no MemTotal line.");
    }
}
