using System.Text.Json;

namespace Vireo.Host.Firmware;

/// <summary>An OVMF build: its read-only code and the template its per-VM variable store is copied from.</summary>
/// <param name="CodePath">The firmware executable (mapped read-only as pflash unit 0).</param>
/// <param name="VarsTemplatePath">The NVRAM template (copied once per VM; the copy is pflash unit 1).</param>
/// <param name="SecureBoot">Built with Secure Boot (needs SMM); with <see cref="EnrolledKeys"/> it is enforced.</param>
/// <param name="EnrolledKeys">The template has the Microsoft keys enrolled, so Secure Boot is on from the first boot.</param>
/// <param name="RequiresSmm">The machine must have <c>smm=on</c> (and secure pflash).</param>
/// <param name="Descriptor">The QEMU firmware descriptor it was read from.</param>
public sealed record UefiFirmware(string CodePath, string VarsTemplatePath, bool SecureBoot, bool EnrolledKeys, bool RequiresSmm, string Descriptor);

/// <summary>
/// Finds OVMF through the QEMU firmware descriptors (docs/interop/firmware.json: <c>/usr/share/qemu/firmware/*.json</c>),
/// as libvirt does, rather than hardcoding file names: the distribution says which build is which. Files in an
/// earlier directory override same-named ones in later directories; descriptors are taken in file-name order
/// (the numeric prefix is the distribution's priority).
/// </summary>
public sealed class FirmwareLocator(IReadOnlyList<string> descriptorDirs)
{
    /// <summary>Where QEMU and libvirt look for descriptors: the admin's overrides first, then the packages'.</summary>
    public static readonly IReadOnlyList<string> DefaultDescriptorDirs = ["/etc/qemu/firmware", "/usr/share/qemu/firmware"];

    /// <summary>Environment variable naming other descriptor directories (colon-separated), replacing the defaults.</summary>
    public const string EnvironmentVariable = "VIREO_FIRMWARE_DIRS";

    /// <summary>The Debian package that installs OVMF and its descriptors.</summary>
    public const string Package = "ovmf";

    /// <summary>Descriptor directories from <see cref="EnvironmentVariable"/>, else the defaults.</summary>
    public static IReadOnlyList<string> DirsFromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : DefaultDescriptorDirs;

    /// <summary>The directories searched.</summary>
    public IReadOnlyList<string> DescriptorDirs { get; } = descriptorDirs;

    /// <summary>Every usable x86_64 UEFI flash build described, in priority order (files that exist only).</summary>
    public IReadOnlyList<UefiFirmware> FindAll()
    {
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in DescriptorDirs.Reverse())
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.json"))
                byName[Path.GetFileName(file)] = file;
        }
        var found = new List<UefiFirmware>();
        foreach (var file in byName.Values)
        {
            if (TryRead(file) is { } fw && File.Exists(fw.CodePath) && File.Exists(fw.VarsTemplatePath))
                found.Add(fw);
        }
        return found;
    }

    /// <summary>
    /// The build for a q35 VM: with Secure Boot, the first one with enrolled keys (else any secure-boot build);
    /// without, the first one that needs no SMM (else any). Null when none is installed.
    /// </summary>
    public UefiFirmware? Find(bool secureBoot)
    {
        var all = FindAll();
        return secureBoot
            ? all.FirstOrDefault(f => f.SecureBoot && f.EnrolledKeys) ?? all.FirstOrDefault(f => f.SecureBoot)
            : all.FirstOrDefault(f => !f.SecureBoot && !f.RequiresSmm) ?? all.FirstOrDefault(f => !f.SecureBoot);
    }

    /// <summary>Why <see cref="Find"/> returned null, naming the directories and the package.</summary>
    public string MissingDetail(bool secureBoot) =>
        $"no {(secureBoot ? "Secure Boot " : "")}UEFI firmware (OVMF) for x86_64 q35 is described in {string.Join(" or ", DescriptorDirs)}";


    private static UefiFirmware? TryRead(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (info.Length > 1 << 20) return null;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = doc.RootElement;
            if (!Strings(root, "interface-types").Contains("uefi")) return null;
            if (!root.TryGetProperty("mapping", out var mapping) || mapping.ValueKind != JsonValueKind.Object) return null;
            if (Str(mapping, "device") != "flash") return null;
            var code = Filename(mapping, "executable");
            var vars = Filename(mapping, "nvram-template");
            if (code is null || vars is null) return null;
            var x86Q35 = root.TryGetProperty("targets", out var targets) && targets.ValueKind == JsonValueKind.Array
                && targets.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.Object && Str(t, "architecture") == "x86_64"
                    && Strings(t, "machines").Any(m => m.StartsWith("pc-q35", StringComparison.Ordinal)));
            if (!x86Q35) return null;
            var features = Strings(root, "features");
            return new UefiFirmware(code, vars, features.Contains("secure-boot"), features.Contains("enrolled-keys"),
                features.Contains("requires-smm"), file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // A broken descriptor is skipped, as QEMU and libvirt skip it.
            return null;
        }
    }

    private static string? Filename(JsonElement mapping, string name)
    {
        if (!mapping.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object) return null;
        // Only raw builds: Vireo gives formats explicitly and maps these as raw pflash.
        if (Str(e, "format") is { } format && format != "raw") return null;
        return Str(e, "filename") is { } f && Path.IsPathFullyQualified(f) ? f : null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static HashSet<string> Strings(JsonElement e, string name)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array)
            foreach (var item in v.EnumerateArray())
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { } s) set.Add(s);
        return set;
    }
}
