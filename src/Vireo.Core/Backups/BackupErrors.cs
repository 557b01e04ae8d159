using Vireo.Core.Errors;
using Vireo.Qemu;

namespace Vireo.Core.Backups;

/// <summary>Turns qemu-img and file-system failures of a backup or restore into errors users can act on.</summary>
internal static class BackupErrors
{
    public static Exception Wrap(Exception e, string what) => e switch
    {
        QemuImgException img => new QemuFailedException($"{what} failed: {img.Message}", img),
        IOException or UnauthorizedAccessException => new HostOperationException($"{what} failed: {e.Message}", e),
        _ => e,
    };
}
