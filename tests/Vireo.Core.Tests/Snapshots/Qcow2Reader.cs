using System.Buffers.Binary;
using System.Text;

namespace Vireo.Core.Tests.Snapshots;

/// <summary>
/// A test oracle, independent of QEMU: reads guest clusters of a qcow2 image (v2/v3, no compression, no extended
/// L2, no encryption) either as the image currently is or as one internal snapshot holds them, following the L1/L2
/// tables on disk; unallocated clusters read from a raw backing file (or zeros). It lets a test check every
/// snapshot's content without reverting to it and without spawning a process per check.
/// </summary>
internal sealed class Qcow2Reader
{
    private readonly byte[] _image;
    private readonly byte[]? _backing;
    private readonly int _clusterBits;
    private readonly Dictionary<string, (ulong L1Offset, uint L1Size)> _snapshots = [];
    private readonly (ulong L1Offset, uint L1Size) _active;

    public Qcow2Reader(string path, string? rawBacking)
    {
        _image = File.ReadAllBytes(path);
        _backing = rawBacking is null ? null : File.ReadAllBytes(rawBacking);
        if (BinaryPrimitives.ReadUInt32BigEndian(_image) != 0x514649fb)
            throw new InvalidDataException($"{path} is not qcow2");
        _clusterBits = (int)U32(20);
        _active = (U64(40), U32(36));
        var count = U32(60);
        var offset = (long)U64(64);
        for (var i = 0; i < count; i++)
        {
            var l1 = U64(offset);
            var l1Size = U32(offset + 8);
            var idSize = U16(offset + 12);
            var nameSize = U16(offset + 14);
            var extra = U32(offset + 36);
            var nameAt = offset + 40 + extra + idSize;
            var name = Encoding.UTF8.GetString(_image, (int)nameAt, nameSize);
            // A duplicate name would make "the snapshot named X" ambiguous: the oracle refuses to guess.
            if (!_snapshots.TryAdd(name, (l1, l1Size)))
                throw new InvalidDataException($"{path} holds two snapshots named {name}");
            offset = (nameAt + nameSize + 7) & ~7L;
        }
    }

    public int ClusterSize => 1 << _clusterBits;

    public IReadOnlyCollection<string> SnapshotNames => _snapshots.Keys;

    /// <summary>One guest cluster, from the active state (snapshot null) or from a snapshot.</summary>
    public byte[] ReadCluster(long guestCluster, string? snapshot = null)
    {
        var (l1Offset, l1Size) = snapshot is null ? _active : _snapshots[snapshot];
        var l2Entries = 1L << (_clusterBits - 3);
        var l1Index = guestCluster / l2Entries;
        var result = new byte[ClusterSize];
        ulong host = 0;
        var zero = false;
        if (l1Index < l1Size)
        {
            var l2Table = U64((long)l1Offset + l1Index * 8) & 0x00fffffffffffe00UL;
            if (l2Table != 0)
            {
                var entry = U64((long)l2Table + guestCluster % l2Entries * 8);
                if ((entry & (1UL << 62)) != 0)
                    throw new InvalidDataException("compressed clusters are not supported by this oracle");
                zero = (entry & 1) != 0;
                host = entry & 0x00fffffffffffe00UL;
            }
        }
        if (zero)
            return result;
        if (host != 0)
        {
            Array.Copy(_image, (long)host, result, 0, ClusterSize);
            return result;
        }
        var at = guestCluster * ClusterSize;
        if (_backing is not null && at < _backing.Length)
            Array.Copy(_backing, at, result, 0, Math.Min(ClusterSize, _backing.Length - at));
        return result;
    }

    private uint U32(long at) => BinaryPrimitives.ReadUInt32BigEndian(_image.AsSpan((int)at));
    private ushort U16(long at) => BinaryPrimitives.ReadUInt16BigEndian(_image.AsSpan((int)at));
    private ulong U64(long at) => BinaryPrimitives.ReadUInt64BigEndian(_image.AsSpan((int)at));
}
