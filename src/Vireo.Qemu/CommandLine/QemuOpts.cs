namespace Vireo.Qemu;

/// <summary>Helpers for QEMU's legacy <c>key=value,key=value</c> option syntax (QemuOpts).</summary>
public static class QemuOpts
{
    /// <summary>
    /// Escapes a value for a key=value option: QemuOpts splits on ',' and reads ",," as a literal comma.
    /// Only for key=value options; JSON arguments and raw-path options (-kernel, -pidfile) must not be escaped.
    /// </summary>
    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
