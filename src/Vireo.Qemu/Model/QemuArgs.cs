namespace Vireo.Qemu.Model;

/// <summary>Helpers for QEMU's key=value option syntax.</summary>
public static class QemuArgs
{
    /// <summary>
    /// Escapes a value for a key=value option: QEMU splits options at commas and reads ",," as a literal comma,
    /// so a path such as <c>/vms/a,b/disk</c> must be written <c>/vms/a,,b/disk</c>.
    /// </summary>
    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
