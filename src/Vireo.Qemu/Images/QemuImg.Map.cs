using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Qemu.Model;

namespace Vireo.Qemu;

public sealed partial class QemuImg
{
    /// <summary>
    /// True when the qcow2 overlay at <paramref name="path"/> holds data of its own (any cluster allocated in it,
    /// zeroed ones included), false when every block still reads through to its backing chain. From
    /// <c>qemu-img map</c>: an extent at depth 0 that is present is the overlay's own. The backing chain is
    /// opened with the formats recorded in the headers (never probed: Vireo writes <c>-F</c>).
    /// </summary>
    public async Task<bool> HasOwnDataAsync(string path, CancellationToken ct)
    {
        RequireAbsolute(path);
        var r = await RunAsync("map", ["map", "-f", Name(DiskFormat.Qcow2), "--output=json", path], ct).ConfigureAwait(false);
        return ParseHasOwnData(r.StandardOutput);
    }

    internal static bool ParseHasOwnData(string json)
    {
        try
        {
            var extents = JsonNode.Parse(json)?.AsArray() ?? throw new JsonException("empty");
            foreach (var extent in extents.OfType<JsonObject>())
            {
                if (Long(extent, "depth") != 0)
                    continue;
                // "present" (QEMU 6.2+) tells an allocated extent from the unallocated tail past the backing file's
                // end; without it, count every depth-0 extent as data (a wrong "has data" only costs a new base).
                if (Bool(extent, "present") ?? true)
                    return true;
            }
            return false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new QemuImgException($"qemu-img map printed unreadable JSON: {e.Message}", 0, "", e);
        }
    }
}
