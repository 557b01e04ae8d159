namespace Vireo.Host.Linux;

/// <summary>One line of /proc/modules.</summary>
internal sealed record LoadedModule(string Name, long Size, int UseCount, IReadOnlyList<string> UsedBy)
{
    /// <summary>The line as <c>lsmod</c> prints it.</summary>
    public string LsmodLine => $"{Name,-20}{Size,8}  {UseCount} {string.Join(',', UsedBy)}".TrimEnd();
}

/// <summary>Loaded and built-in kernel modules.</summary>
internal sealed class KernelModules
{
    private readonly string _sysModule;

    /// <summary>Contents of /proc/modules; null when the kernel has no loadable module support.</summary>
    public IReadOnlyList<LoadedModule>? Loaded { get; }

    private KernelModules(IReadOnlyList<LoadedModule>? loaded, string sysModule)
    {
        Loaded = loaded;
        _sysModule = sysModule;
    }

    public static KernelModules Read(HostEnvironment env)
    {
        var path = env.Proc("modules");
        IReadOnlyList<LoadedModule>? loaded = File.Exists(path) ? File.ReadLines(path).Select(Parse).OfType<LoadedModule>().ToList() : null;
        return new KernelModules(loaded, env.Sys("module"));
    }

    public bool IsLoaded(string name) => Loaded?.Any(m => m.Name == name) == true;

    /// <summary>
    /// Built into the kernel: present in /sys/module (built-in modules with parameters appear there) but not a
    /// loadable module, which would also have an <c>initstate</c> file and a /proc/modules line.
    /// </summary>
    public bool IsBuiltIn(string name)
    {
        var dir = Path.Combine(_sysModule, name);
        return Directory.Exists(dir) && !File.Exists(Path.Combine(dir, "initstate")) && !IsLoaded(name);
    }

    public bool IsPresent(string name) => IsLoaded(name) || IsBuiltIn(name);

    /// <summary>Names under /sys/module starting with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> SysModulesStartingWith(string prefix) =>
        Directory.Exists(_sysModule)
            ? Directory.EnumerateDirectories(_sysModule, prefix + "*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            : [];

    private static LoadedModule? Parse(string line)
    {
        // "kvm_intel 380928 0 - Live 0x0000000000000000" / "kvm 1146880 1 kvm_intel, Live 0x..."
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 3 || !long.TryParse(f[1], out var size) || !int.TryParse(f[2], out var uses)) return null;
        var usedBy = f.Length > 3 && f[3] != "-" ? f[3].Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        return new LoadedModule(f[0], size, uses, usedBy);
    }
}
