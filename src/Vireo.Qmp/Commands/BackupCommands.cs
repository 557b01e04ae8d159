using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>How a <c>blockdev-backup</c> job chooses what to copy (QAPI <c>MirrorSyncMode</c>, the values backups use).</summary>
public enum BackupSyncMode
{
    /// <summary><c>full</c>: every block of the source, as it was when the job started.</summary>
    Full,

    /// <summary><c>bitmap</c>: only the blocks a dirty bitmap marks, as they were when the job started.</summary>
    Bitmap,
}

/// <summary>What a bitmap used by a backup job holds afterwards (QAPI <c>BitmapSyncMode</c>).</summary>
public enum BitmapSyncMode
{
    /// <summary><c>never</c>: the bitmap is left as it is, whatever the outcome.</summary>
    Never,

    /// <summary><c>on-success</c>: cleared of what was copied if the job succeeds, unchanged otherwise.</summary>
    OnSuccess,
}

/// <summary>A dirty bitmap of a block node, as <c>query-named-block-nodes</c> reports it (QAPI <c>BlockDirtyInfo</c>).</summary>
/// <param name="Name">The bitmap's name.</param>
/// <param name="Persistent">Stored in the qcow2 image when QEMU closes it, and loaded when it opens it again.</param>
/// <param name="Recording">Whether writes are being recorded in it now.</param>
/// <param name="Busy">Used by a job: it cannot be changed or removed meanwhile.</param>
/// <param name="Inconsistent">Loaded from an image that QEMU did not close cleanly (killed): its content cannot be trusted.</param>
/// <param name="DirtyBytes">Bytes marked dirty (QEMU's <c>count</c>).</param>
/// <param name="Granularity">Bytes each bit of the bitmap covers.</param>
public sealed record DirtyBitmapInfo(string Name, bool Persistent, bool Recording, bool Busy, bool Inconsistent, long DirtyBytes, long Granularity)
{
    /// <summary>True when an incremental backup may rely on it.</summary>
    public bool Usable => !Inconsistent && Recording;
}

/// <summary>One named block node as <c>query-named-block-nodes</c> reports it (the parts a backup needs).</summary>
/// <param name="NodeName">The node's name.</param>
/// <param name="Driver">Its driver, e.g. <c>qcow2</c>, <c>raw</c>, <c>file</c>.</param>
/// <param name="File">The image file name as QEMU knows it.</param>
/// <param name="VirtualSize">Size the guest sees, in bytes.</param>
/// <param name="DirtyBitmaps">Its named dirty bitmaps (the anonymous ones block jobs use internally are left out).</param>
public sealed record NamedBlockNode(string NodeName, string Driver, string File, long VirtualSize, IReadOnlyList<DirtyBitmapInfo> DirtyBitmaps);

/// <summary><c>query-named-block-nodes</c> with <c>flat: true</c>: every named node once, with its dirty bitmaps.</summary>
public sealed record QueryNamedBlockNodesCommand() : QmpCommand<IReadOnlyList<NamedBlockNode>>("query-named-block-nodes")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["flat"] = true };

    /// <inheritdoc />
    public override IReadOnlyList<NamedBlockNode> ParseResult(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Array)
            throw new JsonException("query-named-block-nodes did not return an array");
        var nodes = new List<NamedBlockNode>();
        foreach (var node in result.EnumerateArray())
        {
            var bitmaps = new List<DirtyBitmapInfo>();
            if (node.TryGetProperty("dirty-bitmaps", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var b in list.EnumerateArray())
                {
                    // Running block jobs keep anonymous bitmaps of their own on the node: internal, not ours to list.
                    if (Str(b, "name") is not { } name)
                        continue;
                    bitmaps.Add(new DirtyBitmapInfo(name,
                        Bool(b, "persistent"), Bool(b, "recording"), Bool(b, "busy"), Bool(b, "inconsistent"),
                        Long(b, "count"), Long(b, "granularity")));
                }
            }
            var size = node.TryGetProperty("image", out var image) ? Long(image, "virtual-size") : 0;
            nodes.Add(new NamedBlockNode(Str(node, "node-name") ?? "", Str(node, "drv") ?? "", Str(node, "file") ?? "", size, bitmaps));
        }
        return nodes;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;
}

/// <summary><c>block-dirty-bitmap-add</c>: starts recording writes to a node in a new bitmap.</summary>
/// <param name="Node">The node (a format node for a persistent bitmap: only qcow2 can store one).</param>
/// <param name="Bitmap">The bitmap's name, unique on the node.</param>
/// <param name="Persistent">Store it in the qcow2 image, so that it survives QEMU restarts.</param>
public sealed record BlockDirtyBitmapAddCommand(string Node, string Bitmap, bool Persistent) : QmpEmptyCommand("block-dirty-bitmap-add")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["node"] = Node, ["name"] = Bitmap, ["persistent"] = Persistent };
}

/// <summary><c>block-dirty-bitmap-remove</c>: deletes a bitmap (also from the image, if it is persistent).</summary>
/// <param name="Node">The node.</param>
/// <param name="Bitmap">The bitmap's name.</param>
public sealed record BlockDirtyBitmapRemoveCommand(string Node, string Bitmap) : QmpEmptyCommand("block-dirty-bitmap-remove")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["node"] = Node, ["name"] = Bitmap };
}

/// <summary><c>block-dirty-bitmap-clear</c>: marks every block of a bitmap clean.</summary>
/// <param name="Node">The node.</param>
/// <param name="Bitmap">The bitmap's name.</param>
public sealed record BlockDirtyBitmapClearCommand(string Node, string Bitmap) : QmpEmptyCommand("block-dirty-bitmap-clear")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => new() { ["node"] = Node, ["name"] = Bitmap };
}

/// <summary>
/// The arguments of <c>blockdev-backup</c>: copy a node's content, as it was when the job started, into another
/// node (copy-before-write keeps the point in time while the guest goes on writing).
/// </summary>
/// <param name="JobId">The job's id (polled with query-jobs).</param>
/// <param name="Device">The source node.</param>
/// <param name="Target">The target node (already added with blockdev-add).</param>
/// <param name="Sync">What to copy.</param>
public sealed record BlockdevBackupArguments(string JobId, string Device, string Target, BackupSyncMode Sync)
{
    /// <summary>The dirty bitmap for <see cref="BackupSyncMode.Bitmap"/>.</summary>
    public string? Bitmap { get; init; }

    /// <summary>What happens to <see cref="Bitmap"/> afterwards.</summary>
    public BitmapSyncMode BitmapMode { get; init; } = BitmapSyncMode.Never;

    /// <summary>Bandwidth limit in bytes per second; null or 0 for none.</summary>
    public long? Speed { get; init; }

    /// <summary>Keep the concluded job until job-dismiss, so its outcome can be read (default false).</summary>
    public bool AutoDismiss { get; init; }

    /// <summary>The wire form of the arguments.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["job-id"] = JobId,
            ["device"] = Device,
            ["target"] = Target,
            ["sync"] = Sync == BackupSyncMode.Full ? "full" : "bitmap",
            ["auto-dismiss"] = AutoDismiss,
        };
        if (Bitmap is not null)
        {
            o["bitmap"] = Bitmap;
            o["bitmap-mode"] = BitmapMode == BitmapSyncMode.Never ? "never" : "on-success";
        }
        if (Speed is > 0)
            o["speed"] = Speed.Value;
        return o;
    }
}

/// <summary><c>blockdev-backup</c> as a stand-alone command (a transaction uses <see cref="BackupActions.Backup"/>).</summary>
/// <param name="Arguments">The job's arguments.</param>
public sealed record BlockdevBackupCommand(BlockdevBackupArguments Arguments) : QmpEmptyCommand("blockdev-backup")
{
    /// <inheritdoc />
    public override JsonObject? BuildArguments() => Arguments.ToJson();
}

/// <summary>Transaction actions for backups: started together, they all see the disks at the same instant.</summary>
public static class BackupActions
{
    /// <summary>A <c>block-dirty-bitmap-add</c> action.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bitmap's name.</param>
    /// <param name="persistent">Store it in the image.</param>
    public static TransactionAction AddBitmap(string node, string name, bool persistent) =>
        new("block-dirty-bitmap-add", new BlockDirtyBitmapAddCommand(node, name, persistent).BuildArguments()!);

    /// <summary>A <c>block-dirty-bitmap-clear</c> action.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bitmap's name.</param>
    public static TransactionAction ClearBitmap(string node, string name) =>
        new("block-dirty-bitmap-clear", new BlockDirtyBitmapClearCommand(node, name).BuildArguments()!);

    /// <summary>A <c>blockdev-backup</c> action.</summary>
    /// <param name="arguments">The job's arguments.</param>
    public static TransactionAction Backup(BlockdevBackupArguments arguments) => new("blockdev-backup", arguments.ToJson());
}

/// <summary>Factory methods for the backup commands.</summary>
public static class BackupCommands
{
    /// <summary><c>query-named-block-nodes</c> (flat).</summary>
    public static QueryNamedBlockNodesCommand QueryNamedBlockNodes() => new();

    /// <summary><c>block-dirty-bitmap-add</c>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bitmap's name.</param>
    /// <param name="persistent">Store it in the image.</param>
    public static BlockDirtyBitmapAddCommand AddBitmap(string node, string name, bool persistent) => new(node, name, persistent);

    /// <summary><c>block-dirty-bitmap-remove</c>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bitmap's name.</param>
    public static BlockDirtyBitmapRemoveCommand RemoveBitmap(string node, string name) => new(node, name);

    /// <summary><c>block-dirty-bitmap-clear</c>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="name">The bitmap's name.</param>
    public static BlockDirtyBitmapClearCommand ClearBitmap(string node, string name) => new(node, name);

    /// <summary><c>blockdev-backup</c>.</summary>
    /// <param name="arguments">The job's arguments.</param>
    public static BlockdevBackupCommand Backup(BlockdevBackupArguments arguments) => new(arguments);
}
