namespace Vireo.Core.Storage;

/// <summary>
/// A volume as a VM disk uses it: its file and the format Vireo recorded for it (<c>raw</c> or <c>qcow2</c>), which is
/// what QEMU must be told (never probed).
/// </summary>
public sealed record ResolvedVolume(string Pool, string Name, string Path, string Format)
{
    /// <summary><c>POOL/NAME</c>.</summary>
    public string Reference => Pool + "/" + Name;
}
