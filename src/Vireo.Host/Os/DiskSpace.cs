namespace Vireo.Host.Os;

/// <summary>Free and total bytes of the file system holding a directory.</summary>
/// <param name="AvailableBytes">Bytes an unprivileged user may still write (statvfs f_bavail).</param>
/// <param name="TotalBytes">Size of the file system.</param>
public sealed record DiskSpace(long AvailableBytes, long TotalBytes)
{
    /// <summary>statvfs(2) of <paramref name="existingDirectory"/> (DriveInfo calls statvfs on any path on Linux).</summary>
    public static DiskSpace Of(string existingDirectory)
    {
        var drive = new DriveInfo(existingDirectory);
        return new DiskSpace(drive.AvailableFreeSpace, drive.TotalSize);
    }
}
