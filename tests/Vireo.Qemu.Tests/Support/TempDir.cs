namespace Vireo.Qemu.Tests.Support;

/// <summary>
/// A fresh directory under /tmp, removed on dispose. The name is short because Unix socket paths inside it
/// must stay under 108 bytes.
/// </summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("vq-").FullName;
    }

    public string Path { get; }

    public string Sub(string relative)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(full);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
