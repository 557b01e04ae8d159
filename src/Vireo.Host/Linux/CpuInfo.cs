namespace Vireo.Host.Linux;

/// <summary>The parts of /proc/cpuinfo host checks need (taken from the first processor).</summary>
internal sealed record CpuInfo(string VendorId, string ModelName, IReadOnlySet<string> Flags)
{
    public bool HasVmx => Flags.Contains("vmx");
    public bool HasSvm => Flags.Contains("svm");
    /// <summary>Set by the kernel when it runs as a guest of some hypervisor.</summary>
    public bool IsVirtualMachine => Flags.Contains("hypervisor");
    public bool IsIntel => VendorId == "GenuineIntel";
    public bool IsAmd => VendorId is "AuthenticAMD" or "HygonGenuine";

    /// <summary>The KVM vendor module this CPU needs.</summary>
    public string KvmVendorModule => IsAmd ? "kvm_amd" : "kvm_intel";

    public static CpuInfo? Read(string path)
    {
        if (!File.Exists(path)) return null;
        string vendor = "", model = "";
        IReadOnlySet<string>? flags = null;
        foreach (var line in File.ReadLines(path))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "vendor_id" && vendor == "") vendor = value;
            else if (key == "model name" && model == "") model = value;
            else if (key == "flags" && flags is null)
                flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        }
        return new CpuInfo(vendor, model, flags ?? new HashSet<string>());
    }
}
