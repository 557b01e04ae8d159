using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Qemu.Model;

namespace Vireo.Qemu;

/// <summary>An internal snapshot stored inside a qcow2 image.</summary>
/// <param name="Id">qcow2's numeric id (unique per image, never reused while the snapshot exists).</param>
/// <param name="Name">The snapshot's name (the "tag").</param>
/// <param name="VmStateSize">Bytes of RAM and device state saved with it; 0 for a disk-only snapshot.</param>
/// <param name="CreatedAt">When it was taken (host clock).</param>
public sealed record ImageSnapshot(string Id, string Name, long VmStateSize, DateTimeOffset CreatedAt);

public sealed partial class QemuImg
{
    /// <summary>
    /// Takes an internal snapshot of a qcow2 image that no process has open (<c>qemu-img snapshot -c</c>).
    /// qemu-img happily creates a second snapshot with a name already in use: callers check with
    /// <see cref="ListSnapshotsAsync"/> first.
    /// </summary>
    public Task CreateSnapshotAsync(string path, string name, CancellationToken ct) => SnapshotAsync("-c", path, name, ct);

    /// <summary>Reverts a qcow2 image to one of its internal snapshots (<c>qemu-img snapshot -a</c>); the current state is discarded.</summary>
    public Task ApplySnapshotAsync(string path, string name, CancellationToken ct) => SnapshotAsync("-a", path, name, ct);

    /// <summary>
    /// Deletes an internal snapshot (<c>qemu-img snapshot -d</c>). qcow2 clusters are refcounted, so data that
    /// another snapshot or the current state still uses is kept.
    /// </summary>
    public Task DeleteSnapshotAsync(string path, string name, CancellationToken ct) => SnapshotAsync("-d", path, name, ct);

    /// <summary>
    /// The internal snapshots of an image, oldest first (from <c>qemu-img info</c>, which takes an explicit format;
    /// a raw image has none). <paramref name="forceShare"/> (-U) reads an image a running QEMU holds.
    /// </summary>
    public async Task<IReadOnlyList<ImageSnapshot>> ListSnapshotsAsync(string path, DiskFormat format, bool forceShare, CancellationToken ct)
    {
        RequireAbsolute(path);
        var args = new List<string> { "info", "-f", Name(format), "--output=json" };
        if (forceShare) args.Add("-U");
        args.Add(path);
        var r = await RunAsync("info", args, ct).ConfigureAwait(false);
        return ParseSnapshots(r.StandardOutput);
    }

    /// <summary>
    /// <see cref="InfoAsync(string, DiskFormat, bool, CancellationToken)"/> and <see cref="ListSnapshotsAsync"/> from one
    /// run of <c>qemu-img info</c>.
    /// </summary>
    public async Task<(ImageInfo Info, IReadOnlyList<ImageSnapshot> Snapshots)> InfoAndSnapshotsAsync(string path, DiskFormat format, CancellationToken ct)
    {
        RequireAbsolute(path);
        var r = await RunAsync("info", ["info", "-f", Name(format), "--output=json", path], ct).ConfigureAwait(false);
        return (ParseInfo(r.StandardOutput), ParseSnapshots(r.StandardOutput));
    }

    internal static IReadOnlyList<ImageSnapshot> ParseSnapshots(string json)
    {
        try
        {
            var o = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("empty");
            if (o["snapshots"] is not JsonArray list) return [];
            return list.OfType<JsonObject>().Select(s => new ImageSnapshot(
                Str(s, "id") ?? "",
                Str(s, "name") ?? "",
                Long(s, "vm-state-size") ?? 0,
                DateTimeOffset.FromUnixTimeSeconds(Long(s, "date-sec") ?? 0).AddTicks((Long(s, "date-nsec") ?? 0) / 100))).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new QemuImgException($"qemu-img info printed unreadable JSON: {e.Message}", 0, "", e);
        }
    }

    // `qemu-img snapshot` has no -f: the format is pinned through --image-opts instead, so the image is opened as
    // qcow2 whatever its first bytes say (a raw disk is refused rather than probed).
    private async Task SnapshotAsync(string flag, string path, string name, CancellationToken ct)
    {
        RequireAbsolute(path);
        ArgumentException.ThrowIfNullOrEmpty(name);
        await RunAsync("snapshot", ["snapshot", "-q", "--image-opts", flag, name, ImageOpts(path)], ct).ConfigureAwait(false);
    }

    /// <summary>A QemuOpts image description; a comma in a value is written doubled.</summary>
    internal static string ImageOpts(string path) =>
        "driver=qcow2,file.driver=file,file.filename=" + path.Replace(",", ",,", StringComparison.Ordinal);
}
