using System.Diagnostics;
using System.Text;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// A guest writer whose traces prove (or disprove) that a copy of its disk is a point-in-time copy. Write number s
/// goes to slot s mod <see cref="Slots"/> and fills that 64 KiB block with the record "%07d\n" of s, fsync'd
/// before the next write. Half the slots are at the start of the disk and half near its end, so a copy that
/// reads the start and the end at different moments cannot look like any single instant.
/// A copy taken at one instant after write S shows, for every slot k, the latest write s ≤ S with s ≡ k: one
/// block (the one being written at that instant) may be partly old and partly new, 4 KiB page by page.
/// </summary>
internal static class GuestWriter
{
    public const int Slots = 32;
    public const int BlockBytes = 65536;
    public const long EndRegionBlock = 3000;
    private const int PageBytes = 4096;
    private const int RecordBytes = 8;

    /// <summary>
    /// The shell loop for the tiny guest's busybox, started in the background; its PID goes to /tmp/writer.pid, its
    /// last completed write to /tmp/writer.last. The end half of the slots goes to <paramref name="endDevice"/> from
    /// block <paramref name="endBlock"/>: another disk proves that disks are captured at the same instant.
    /// </summary>
    public static string Script(string endDevice = "/dev/vda", long endBlock = EndRegionBlock) =>
        $"(s=0; while :; do k=$((s%{Slots})); if [ $k -lt {Slots / 2} ]; then d=/dev/vda; b=$k; else d={endDevice}; b=$(({endBlock}+k-{Slots / 2})); fi; " +
        $"yes $(printf %07d $s) | head -c {BlockBytes} | dd of=$d bs={BlockBytes} seek=$b conv=fsync 2>/dev/null; echo $s > /tmp/writer.last; s=$((s+1)); done) & echo $! > /tmp/writer.pid";

    public static long BlockOf(int slot, long endBlock = EndRegionBlock) => slot < Slots / 2 ? slot : endBlock + slot - Slots / 2;

    /// <summary>Checks the traces in a raw image; returns the last write S the copy holds. Throws with the reason when no instant fits.</summary>
    public static long CheckPointInTime(string rawImage) => CheckPointInTime(rawImage, rawImage, EndRegionBlock);

    /// <summary>The same over two disks: the start slots in <paramref name="startImage"/>, the end slots in <paramref name="endImage"/>.</summary>
    public static long CheckPointInTime(string startImage, string endImage, long endBlock)
    {
        using var start = File.OpenRead(startImage);
        using var end = File.OpenRead(endImage);
        var pages = new long[Slots][];
        for (var k = 0; k < Slots; k++)
        {
            var block = new byte[BlockBytes];
            var file = k < Slots / 2 ? start : end;
            file.Position = BlockOf(k, endBlock) * BlockBytes;
            file.ReadExactly(block);
            pages[k] = Enumerable.Range(0, BlockBytes / PageBytes).Select(p => PageValue(block.AsSpan(p * PageBytes, PageBytes), k, p)).ToArray();
        }
        var s = pages.SelectMany(p => p).Max();
        if (s < 0)
            throw new Xunit.Sdk.XunitException("the copy holds none of the writer's blocks");
        var inFlight = (int)(s % Slots);
        var problems = new StringBuilder();
        for (var k = 0; k < Slots; k++)
        {
            // The latest write to slot k at or before S (negative: slot k had not been written yet).
            var expected = s - ((s - k) % Slots + Slots) % Slots;
            var previous = expected - Slots;
            foreach (var value in pages[k])
            {
                var ok = value == (expected >= 0 ? expected : -1)
                    || (k == inFlight && value == (previous >= 0 ? previous : -1));
                if (!ok)
                {
                    problems.AppendLine($"slot {k} holds write {value}, but a copy at write {s} must hold {expected}");
                    break;
                }
            }
        }
        if (problems.Length > 0)
            throw new Xunit.Sdk.XunitException($"not a point-in-time copy (last write {s}):\n{problems}");
        return s;
    }

    private static long PageValue(ReadOnlySpan<byte> page, int slot, int index)
    {
        if (!page.ContainsAnyExcept((byte)0))
            return -1;
        var first = page[..RecordBytes];
        for (var r = RecordBytes; r < page.Length; r += RecordBytes)
            if (!page.Slice(r, RecordBytes).SequenceEqual(first))
                throw new Xunit.Sdk.XunitException($"slot {slot} page {index} is torn (mixed records): not a copy of any instant");
        return long.Parse(Encoding.ASCII.GetString(first[..7]), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A qcow2 data disk of <paramref name="sizeMiB"/> with <paramref name="dataMiB"/> of random bytes from 16 MiB on.</summary>
    public static async Task<byte[]> CreateDataDiskAsync(string qcow2, int sizeMiB, int dataMiB)
    {
        var raw = qcow2 + ".raw";
        var data = new byte[dataMiB << 20];
        Random.Shared.NextBytes(data);
        await using (var f = File.Create(raw))
        {
            f.SetLength((long)sizeMiB << 20);
            f.Position = 16L << 20;
            await f.WriteAsync(data);
        }
        await RunAsync("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2);
        File.Delete(raw);
        return data;
    }

    /// <summary>The guest-visible content of an image (through its backing chain) as a raw file.</summary>
    public static async Task ToRawAsync(string image, string format, string raw, bool forceShare = false) =>
        await RunAsync(["qemu-img", "convert", .. forceShare ? new[] { "-U" } : [], "-f", format, "-O", "raw", image, raw]);

    public static async Task<CommandResult> RunAsync(params string[] argv)
    {
        var r = await ProcessRunner.RunAsync(argv[0], argv[1..]);
        if (r.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"{string.Join(' ', argv)} failed: {r}");
        return r;
    }
}
