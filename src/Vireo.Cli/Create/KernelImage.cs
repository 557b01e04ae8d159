namespace Vireo.Cli.Create;

/// <summary>What a kernel file can boot from, read from its header (nothing is executed).</summary>
internal static class KernelImage
{
    /// <summary>
    /// Why OVMF cannot start <paramref name="path"/> (it is not a PE/COFF image: a kernel without the EFI stub, or
    /// an ELF vmlinux); null when it can, or when the file cannot be read here (vireod reports missing files).
    /// </summary>
    public static string? CannotBootUefi(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> head = stackalloc byte[64];
            if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || head[0] != 'M' || head[1] != 'Z')
                return "it is not an EFI executable (no MZ header: an ELF vmlinux or a kernel without the EFI stub)";
            var peOffset = BitConverter.ToInt32(head[0x3c..0x40]);
            if (peOffset <= 0 || peOffset > file.Length - 4)
                return "it is not an EFI executable (no PE header)";
            file.Position = peOffset;
            Span<byte> pe = stackalloc byte[4];
            if (file.ReadAtLeast(pe, 4, throwOnEndOfStream: false) < 4 || pe[0] != 'P' || pe[1] != 'E' || pe[2] != 0 || pe[3] != 0)
                return "it is not an EFI executable (no PE header: the kernel was built without the EFI stub)";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
