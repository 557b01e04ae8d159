using Vireo.Persistence;

namespace Vireo.Core.Engine;

/// <summary>
/// Tells a vireod start after a host reboot from a restart of vireod alone, by the kernel's boot id
/// (/proc/sys/kernel/random/boot_id, new at each boot), kept in the store. After a reboot nothing of the last boot
/// runs: VMs that ran are stopped, not crashed (no on_crash restart), and only autostart VMs and networks come up,
/// as libvirt does at host boot.
/// </summary>
internal static class HostBoot
{
    private const string MetaKey = "host_boot_id";

    /// <summary>
    /// Test hook (a reboot cannot be produced in a test): a boot id that replaces the kernel's, so that a test that
    /// stopped everything as a reboot would can start vireod as after one.
    /// </summary>
    public const string TestBootIdVariable = "VIREO_TEST_BOOT_ID";

    public static string CurrentId()
    {
        if (Environment.GetEnvironmentVariable(TestBootIdVariable) is { Length: > 0 } fake)
            return fake;
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>True when the store was last used in another boot of the host; records this boot.</summary>
    public static bool RecordAndCheck(VireoStore store)
    {
        var current = CurrentId();
        var last = store.GetMeta(MetaKey);
        if (last != current)
            store.SetMeta(MetaKey, current);
        return last is not null && last != current;
    }
}
