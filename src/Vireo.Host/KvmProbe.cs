namespace Vireo.Host;

/// <summary>Whether VMs can use KVM, and if not, why — in words an operator can act on.</summary>
/// <param name="Usable">/dev/kvm exists and opens read-write.</param>
/// <param name="Reason">Why not, when not usable.</param>
public sealed record KvmStatus(bool Usable, string? Reason)
{
    /// <summary>The warning printed whenever VMs fall back to software emulation.</summary>
    public string? TcgWarning => Usable ? null :
        $"KVM is not available ({Reason}): VMs run under TCG software emulation, which works but is much slower";
}

/// <summary>Checks /dev/kvm the way QEMU will use it: open it read-write.</summary>
public sealed class KvmProbe(HostEnvironment? environment = null)
{
    private readonly HostEnvironment _env = environment ?? HostEnvironment.ForThisHost("/");

    public KvmStatus Check()
    {
        var device = Path.Combine(_env.DevRoot, "kvm");
        if (!File.Exists(device))
        {
            var hasFlags = CpuFlags.Read(_env.ProcRoot).HasVirtualization;
            return new KvmStatus(false, hasFlags
                ? "/dev/kvm does not exist although the CPU has VT-x/AMD-V: the kvm_intel or kvm_amd module is not loaded"
                : "/dev/kvm does not exist and the CPU shows no VT-x/AMD-V (no hardware virtualization, or a VM without nested virtualization)");
        }
        return _env.TryOpenReadWrite(device) is { } error
            ? new KvmStatus(false, $"/dev/kvm cannot be opened read-write: {error}")
            : new KvmStatus(true, null);
    }
}

/// <summary>CPU virtualization flags from /proc/cpuinfo.</summary>
internal sealed record CpuFlags(bool Vmx, bool Svm)
{
    public bool HasVirtualization => Vmx || Svm;

    public static CpuFlags Read(string procRoot)
    {
        try
        {
            var flags = File.ReadLines(Path.Combine(procRoot, "cpuinfo"))
                .Where(l => l.StartsWith("flags", StringComparison.Ordinal))
                .SelectMany(l => l.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .ToHashSet(StringComparer.Ordinal);
            return new CpuFlags(flags.Contains("vmx"), flags.Contains("svm"));
        }
        catch (IOException)
        {
            return new CpuFlags(false, false);
        }
    }
}
