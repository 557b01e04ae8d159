using System.Text;

namespace Vireo.Core.Images;

/// <summary>
/// Tells the format of a file the operator hands to <c>vireo image import</c>, on the host side, from its first bytes
/// (and, for raw, its name): never by letting QEMU probe it. The format found is then always passed to qemu-img
/// explicitly. Returns null when the file does not say: the operator must then name the format.
/// </summary>
public static class ImageFormatDetector
{
    /// <summary>Formats an import takes: disk images, and OVA (a tar) / OVF (an XML descriptor) appliances.</summary>
    public static readonly IReadOnlyList<string> Formats = ["qcow2", "raw", "vmdk", "vdi", "vhdx", "ova", "ovf"];

    private const int HeaderBytes = 1024;

    /// <summary>The format of <paramref name="path"/>, or null when neither its header nor its name tells.</summary>
    public static string? Detect(string path)
    {
        var header = new byte[HeaderBytes];
        int read;
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            read = f.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
        return Detect(header.AsSpan(0, read), Path.GetFileName(path));
    }

    /// <summary>The format a file with this header and name is, or null.</summary>
    public static string? Detect(ReadOnlySpan<byte> header, string fileName)
    {
        if (Starts(header, [0x51, 0x46, 0x49, 0xfb])) return "qcow2"; // "QFI\xfb"
        if (Starts(header, "KDMV"u8)) return "vmdk";
        if (Starts(header, "vhdxfile"u8)) return "vhdx";
        // VDI: a text banner, then the signature 0xbeda107f (little-endian) at offset 0x40.
        if (header.Length >= 0x44 && header[0x40] == 0x7f && header[0x41] == 0x10 && header[0x42] == 0xda && header[0x43] == 0xbe) return "vdi";
        // A POSIX tar (an OVA): "ustar" at offset 257.
        if (header.Length >= 262 && header.Slice(257, 5).SequenceEqual("ustar"u8)) return "ova";
        var text = Encoding.UTF8.GetString(header.Length > 512 ? header[..512] : header);
        if (text.StartsWith("# Disk DescriptorFile", StringComparison.Ordinal)) return "vmdk-descriptor";
        if (text.TrimStart('\uFEFF', ' ', '\r', '\n', '\t').StartsWith('<') && text.Contains("Envelope", StringComparison.Ordinal)) return "ovf";
        // A raw image has no header: only its name can say so.
        var ext = Path.GetExtension(fileName).ToLowerInvariant();
        return ext is ".raw" or ".img" ? "raw" : null;
    }

    private static bool Starts(ReadOnlySpan<byte> header, ReadOnlySpan<byte> magic) => header.StartsWith(magic);
}
