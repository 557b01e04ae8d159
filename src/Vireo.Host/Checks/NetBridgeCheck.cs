using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Host.Checks;

/// <summary>Linux bridge support (bridged and NAT networks attach taps to a bridge).</summary>
internal sealed class NetBridgeCheck : FileHostCheck
{
    private static readonly string[] ModuleFileNames = ["bridge.ko", "bridge.ko.xz", "bridge.ko.zst", "bridge.ko.gz"];

    public override string Id => HostCheckIds.NetBridge;
    public override string Title => "Linux bridge";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var bridges = ExistingBridges(env);
        var present = bridges.Count > 0 ? $"; bridges: {string.Join(", ", bridges)}" : "";
        var modules = KernelModules.Read(env);

        if (modules.IsLoaded("bridge")) return Pass("bridge module loaded" + present);
        if (Directory.Exists(env.Sys("module/bridge"))) return Pass("bridge support built in" + present);
        if (bridges.Count > 0) return Pass($"bridges exist: {string.Join(", ", bridges)}");

        var release = KernelRelease(env);
        if (release is not null)
        {
            var moduleDir = Path.Combine(env.ModulesRoot, release);
            if (ListedInModulesBuiltin(moduleDir)) return Pass($"bridge support built into {release}");
            var file = ModuleFileNames.Select(n => Path.Combine(moduleDir, "kernel/net/bridge", n)).FirstOrDefault(File.Exists);
            if (file is not null)
                return Pass($"bridge module available for {release} (loads when the first bridge is created)");
        }

        return Warn($"no bridge support: the bridge module is not loaded, not built in, and has no module file for kernel {release ?? "(unknown)"}; bridged and NAT networks are unavailable",
            "modprobe bridge; if that fails, install the modules for the running kernel (e.g. apt-get install linux-modules-extra-$(uname -r)) or a kernel with CONFIG_BRIDGE");
    }

    private static List<string> ExistingBridges(HostEnvironment env)
    {
        var net = env.Sys("class/net");
        if (!Directory.Exists(net)) return [];
        // A bridge interface has a "bridge" directory of its own settings in sysfs.
        return Directory.EnumerateDirectories(net)
            .Where(d => Directory.Exists(Path.Combine(d, "bridge")))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }

    private static string? KernelRelease(HostEnvironment env)
    {
        var path = env.Proc("sys/kernel/osrelease");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private static bool ListedInModulesBuiltin(string moduleDir)
    {
        var path = Path.Combine(moduleDir, "modules.builtin");
        return File.Exists(path) && File.ReadLines(path).Any(l => l.Trim() == "kernel/net/bridge/bridge.ko");
    }
}
