using Vireo.Qemu.Model;
using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class QemuImgTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempDir _dir = new();
    private readonly QemuImg _img = TestPaths.QemuImg;
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public void Dispose() => _dir.Dispose();

    private string P(string name) => Path.Combine(_dir.Path, name);

    [Fact]
    public async Task Created_qcow2_and_raw_images_report_their_size_and_format()
    {
        await _img.CreateAsync(P("a.qcow2"), DiskFormat.Qcow2, 64 * MiB, null, _ct);
        await _img.CreateAsync(P("a.raw"), DiskFormat.Raw, 8 * MiB, null, _ct);

        var q = await _img.InfoAsync(P("a.qcow2"), DiskFormat.Qcow2, _ct);
        Assert.Equal("qcow2", q.Format);
        Assert.Equal(64 * MiB, q.VirtualSize);
        Assert.Equal(65536, q.ClusterSize);
        Assert.False(q.Corrupt);
        var r = await _img.InfoAsync(P("a.raw"), DiskFormat.Raw, _ct);
        Assert.Equal("raw", r.Format);
        Assert.Equal(8 * MiB, r.VirtualSize);
        Assert.True(r.ActualSize < 8 * MiB, "a new raw image is sparse");
    }

    [Fact]
    public async Task Overlay_records_its_backing_file_and_format()
    {
        await _img.CreateAsync(P("base.qcow2"), DiskFormat.Qcow2, 32 * MiB, null, _ct);
        await _img.CreateAsync(P("overlay.qcow2"), DiskFormat.Qcow2, null, new BackingFile(P("base.qcow2"), DiskFormat.Qcow2), _ct);

        var info = await _img.InfoAsync(P("overlay.qcow2"), DiskFormat.Qcow2, _ct);
        Assert.Equal(P("base.qcow2"), info.BackingFilename);
        Assert.Equal("qcow2", info.BackingFormat);
        Assert.Equal(32 * MiB, info.VirtualSize);
    }

    [Fact]
    public async Task Raw_image_that_starts_with_a_forged_qcow2_header_stays_raw()
    {
        // A guest can write anything at the start of its raw disk, including a qcow2 header naming a host file
        // as backing file; format probing would then open that file. Passing -f raw must keep it raw.
        await _img.CreateAsync(P("real.qcow2"), DiskFormat.Qcow2, 64 * MiB, new BackingFile("/etc/hostname", DiskFormat.Raw), _ct);
        var header = (await File.ReadAllBytesAsync(P("real.qcow2"), _ct))[..4096];
        await _img.CreateAsync(P("guest.raw"), DiskFormat.Raw, 4 * MiB, null, _ct);
        await using (var f = new FileStream(P("guest.raw"), FileMode.Open, FileAccess.Write))
        {
            await f.WriteAsync(header, _ct);
        }

        var asRaw = await _img.InfoAsync(P("guest.raw"), DiskFormat.Raw, _ct);
        Assert.Equal("raw", asRaw.Format);
        Assert.Equal(4 * MiB, asRaw.VirtualSize);
        Assert.Null(asRaw.BackingFilename);
        // The same bytes read as qcow2 would claim 64 MiB and a host backing file: the forgery is real.
        var asQcow2 = await _img.InfoAsync(P("guest.raw"), DiskFormat.Qcow2, _ct);
        Assert.Equal("/etc/hostname", asQcow2.BackingFilename);
    }

    [Fact]
    public async Task Convert_copies_contents_between_formats()
    {
        await _img.CreateAsync(P("src.raw"), DiskFormat.Raw, 4 * MiB, null, _ct);
        var payload = "vireo-convert-check"u8.ToArray();
        await using (var f = new FileStream(P("src.raw"), FileMode.Open, FileAccess.Write))
        {
            f.Seek(MiB, SeekOrigin.Begin);
            await f.WriteAsync(payload, _ct);
        }

        await _img.ConvertAsync(P("src.raw"), DiskFormat.Raw, P("mid.qcow2"), DiskFormat.Qcow2, _ct);
        await _img.ConvertAsync(P("mid.qcow2"), DiskFormat.Qcow2, P("back.raw"), DiskFormat.Raw, _ct);

        Assert.Equal("qcow2", (await _img.InfoAsync(P("mid.qcow2"), DiskFormat.Qcow2, _ct)).Format);
        var back = await File.ReadAllBytesAsync(P("back.raw"), _ct);
        Assert.Equal(4 * MiB, back.Length);
        Assert.Equal(payload, back.AsSpan((int)MiB, payload.Length).ToArray());
    }

    [Fact]
    public async Task Resize_grows_and_shrinks_only_when_allowed()
    {
        await _img.CreateAsync(P("r.qcow2"), DiskFormat.Qcow2, 16 * MiB, null, _ct);
        await _img.ResizeAsync(P("r.qcow2"), DiskFormat.Qcow2, 48 * MiB, false, _ct);
        Assert.Equal(48 * MiB, (await _img.InfoAsync(P("r.qcow2"), DiskFormat.Qcow2, _ct)).VirtualSize);

        var e = await Assert.ThrowsAsync<QemuImgException>(() => _img.ResizeAsync(P("r.qcow2"), DiskFormat.Qcow2, 8 * MiB, false, _ct));
        Assert.Contains("shrink", e.Message);
        await _img.ResizeAsync(P("r.qcow2"), DiskFormat.Qcow2, 8 * MiB, true, _ct);
        Assert.Equal(8 * MiB, (await _img.InfoAsync(P("r.qcow2"), DiskFormat.Qcow2, _ct)).VirtualSize);
    }

    [Fact]
    public async Task Check_reports_a_clean_qcow2_and_raw_as_unsupported()
    {
        await _img.CreateAsync(P("c.qcow2"), DiskFormat.Qcow2, 16 * MiB, null, _ct);
        await _img.CreateAsync(P("c.raw"), DiskFormat.Raw, MiB, null, _ct);
        var q = await _img.CheckAsync(P("c.qcow2"), DiskFormat.Qcow2, _ct);
        Assert.True(q.Supported);
        Assert.True(q.IsClean);
        Assert.False((await _img.CheckAsync(P("c.raw"), DiskFormat.Raw, _ct)).Supported);
    }

    [Fact]
    public async Task Check_finds_leaked_clusters()
    {
        await _img.CreateAsync(P("leak.qcow2"), DiskFormat.Qcow2, 16 * MiB, null, _ct);
        // Forge a leak the way a crash leaves one: append a cluster (a new image has 4: header, refcount table,
        // refcount block, L1) and give it a refcount of 1 that nothing references. Header: refcount_table_offset
        // at byte 48; refcounts are 16-bit big-endian by default.
        await using (var f = new FileStream(P("leak.qcow2"), FileMode.Open, FileAccess.ReadWrite))
        {
            var buf = new byte[8];
            f.Seek(48, SeekOrigin.Begin);
            await f.ReadExactlyAsync(buf, _ct);
            f.Seek((long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(buf), SeekOrigin.Begin);
            await f.ReadExactlyAsync(buf, _ct);
            var refcountBlock = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(buf);
            f.Seek(refcountBlock + 2 * 4, SeekOrigin.Begin);
            await f.WriteAsync(new byte[] { 0, 1 }, _ct);
            f.Seek(0, SeekOrigin.End);
            await f.WriteAsync(new byte[65536], _ct);
        }
        var result = await _img.CheckAsync(P("leak.qcow2"), DiskFormat.Qcow2, _ct);
        Assert.True(result.Supported);
        Assert.Equal(0, result.Corruptions);
        Assert.Equal(1, result.Leaks);
        Assert.False(result.IsClean);
    }

    [Fact]
    public async Task Failures_carry_qemu_img_error_text()
    {
        var e = await Assert.ThrowsAsync<QemuImgException>(() => _img.InfoAsync(P("missing.qcow2"), DiskFormat.Qcow2, _ct));
        Assert.Contains("Could not open", e.Message);
        Assert.Contains("missing.qcow2", e.StandardError);
        Assert.Equal(1, e.ExitCode);
    }

    [Fact]
    public async Task Existing_image_is_never_overwritten()
    {
        await _img.CreateAsync(P("keep.raw"), DiskFormat.Raw, MiB, null, _ct);
        await Assert.ThrowsAsync<IOException>(() => _img.CreateAsync(P("keep.raw"), DiskFormat.Qcow2, MiB, null, _ct));
        await Assert.ThrowsAsync<IOException>(() => _img.ConvertAsync(P("keep.raw"), DiskFormat.Raw, P("keep.raw"), DiskFormat.Raw, _ct));
        Assert.Equal("raw", (await _img.InfoAsync(P("keep.raw"), DiskFormat.Raw, _ct)).Format);
    }

    [Fact]
    public async Task Failed_convert_leaves_no_partial_destination()
    {
        await Assert.ThrowsAsync<QemuImgException>(() =>
            _img.ConvertAsync(P("nope.qcow2"), DiskFormat.Qcow2, P("out.raw"), DiskFormat.Raw, _ct));
        Assert.False(File.Exists(P("out.raw")));
    }

    [Fact]
    public async Task Relative_paths_are_refused_because_qemu_could_read_them_as_protocols() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _img.InfoAsync("json:{\"driver\":\"file\"}", DiskFormat.Raw, _ct));

    [Fact]
    public async Task Paths_with_commas_work()
    {
        var dir = _dir.Sub("x,y");
        await _img.CreateAsync(Path.Combine(dir, "d,1.qcow2"), DiskFormat.Qcow2, MiB, null, _ct);
        Assert.Equal(MiB, (await _img.InfoAsync(Path.Combine(dir, "d,1.qcow2"), DiskFormat.Qcow2, _ct)).VirtualSize);
    }
}
