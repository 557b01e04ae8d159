using System.Globalization;

namespace Vireo.Host.Linux;

internal static class Units
{
    public const long MiB = 1024 * 1024;
    public const long GiB = 1024 * MiB;

    /// <summary>"23.1 GiB", "512 MiB".</summary>
    public static string Bytes(long bytes) =>
        bytes >= GiB
            ? (bytes / (double)GiB).ToString("0.0", CultureInfo.InvariantCulture) + " GiB"
            : (bytes / MiB).ToString(CultureInfo.InvariantCulture) + " MiB";
}
