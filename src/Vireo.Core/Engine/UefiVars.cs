namespace Vireo.Core.Engine;

/// <summary>
/// A VM's UEFI variable store (NVRAM) as a file: OVMF writes boot entries and settings into it, so it is VM state
/// like a disk. Copies are atomic (temp file, fsync, rename): a reader never sees half a store.
/// </summary>
internal static class UefiVars
{
    /// <summary>Copies OVMF's template to <paramref name="vars"/> unless the VM already has its own store.</summary>
    public static void EnsureCopied(string template, string vars)
    {
        if (File.Exists(vars))
            return;
        CopyAtomic(template, vars);
    }

    /// <summary>Copies <paramref name="from"/> over <paramref name="to"/> atomically (mode 0600: it may hold secrets).</summary>
    public static void CopyAtomic(string from, string to)
    {
        var temp = $"{to}.{Environment.ProcessId}.tmp";
        try
        {
            using (var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var target = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                source.CopyTo(target);
                target.Flush(flushToDisk: true);
            }
            Vireo.Host.Os.AtomicFile.Commit(temp, to, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
