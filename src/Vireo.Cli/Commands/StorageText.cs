using System.Globalization;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>Shared bits of the pool and vol commands: byte counts for people, and POOL/NAME checked before sending.</summary>
internal static class StorageText
{
    /// <summary>Bytes in the largest binary unit, one decimal: <c>20 GiB</c>, <c>1.5 GiB</c>, <c>196 KiB</c>.</summary>
    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b) return "-";
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = b;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{b} B" : value.ToString(value >= 100 || value == Math.Floor(value) ? "0" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>Refuses a malformed <c>POOL/NAME</c> with vireod's own wording, before anything is sent (exit 2).</summary>
    public static string Volume(string? reference, string what = "volume")
    {
        if (!StorageNames.TrySplit(reference, out _, out _, out var problem))
            throw new CliUsageException($"{what} \"{reference}\" {problem}");
        return reference!;
    }

    public static string Pool(string? name)
    {
        if (StorageNames.ValidatePoolName(name) is { } problem)
            throw new CliUsageException($"pool \"{name}\" {problem}");
        return name!;
    }
}
