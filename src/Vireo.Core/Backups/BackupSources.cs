using Vireo.Contracts;
using Vireo.Qemu.Model;

namespace Vireo.Core.Backups;

/// <summary>A writable disk of a VM that a backup copies: its spec index and the node the planner gave it.</summary>
internal sealed record BackupSource(int Index, BlockNode Node)
{
    public string Path => Node.Path;
    public DiskFormat Format => Node.Format;
    public string FormatName => BlockNode.FormatName(Node.Format);
    public bool CanTrackChanges => Node.Format == DiskFormat.Qcow2;
    /// <summary>Name of the backup's file in its directory.</summary>
    public string File => $"disk{Index}.qcow2";
}

internal static class BackupSources
{
    /// <summary>Prefix of the dirty bitmaps Vireo owns; anything else on a disk is left alone.</summary>
    public const string BitmapPrefix = "vireo-backup-";

    /// <summary>The bitmap that tracks writes since backup <paramref name="id"/>.</summary>
    public static string BitmapFor(string id) => BitmapPrefix + id;

    /// <summary>
    /// The writable disks among the planner's block nodes (read-only disks and CD-ROMs are skipped), with the spec
    /// index of each: the planner makes one node per disk that has an image, in spec order.
    /// </summary>
    public static (IReadOnlyList<BackupSource> Sources, IReadOnlyList<string> Skipped) From(VmSpec spec, IReadOnlyList<BlockNode> nodes)
    {
        var withImage = spec.Disks.Select((d, i) => (Disk: d, Index: i)).Where(d => d.Disk.Path is not null || d.Disk.Volume is not null).ToList();
        var sources = new List<BackupSource>();
        var skipped = new List<string>();
        for (var k = 0; k < nodes.Count; k++)
        {
            var index = k < withImage.Count ? withImage[k].Index : k;
            if (nodes[k].ReadOnly)
                skipped.Add(nodes[k].Path);
            else
                sources.Add(new BackupSource(index, nodes[k]));
        }
        return (sources, skipped);
    }
}
