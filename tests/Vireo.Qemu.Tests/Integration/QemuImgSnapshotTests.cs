using Vireo.Qemu.Model;
using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class QemuImgSnapshotTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempDir _dir = new();
    private readonly QemuImg _img = TestPaths.QemuImg;
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public void Dispose() => _dir.Dispose();

    private string P(string name) => Path.Combine(_dir.Path, name);

    [Fact]
    public async Task Create_list_apply_and_delete_work_on_a_path_with_a_comma()
    {
        // A comma ends a value in --image-opts syntax; it must reach qemu-img doubled.
        var path = P("a,b.qcow2");
        await _img.CreateAsync(path, DiskFormat.Qcow2, 8 * MiB, null, _ct);
        await _img.CreateSnapshotAsync(path, "s1", _ct);
        await _img.CreateSnapshotAsync(path, "s2", _ct);
        var list = await _img.ListSnapshotsAsync(path, DiskFormat.Qcow2, false, _ct);
        Assert.Equal(["s1", "s2"], list.Select(s => s.Name));
        Assert.All(list, s => Assert.Equal(0, s.VmStateSize));
        Assert.All(list, s => Assert.True(Math.Abs((DateTimeOffset.UtcNow - s.CreatedAt).TotalMinutes) < 5, $"{s.CreatedAt}"));
        await _img.ApplySnapshotAsync(path, "s1", _ct);
        await _img.DeleteSnapshotAsync(path, "s1", _ct);
        Assert.Equal(["s2"], (await _img.ListSnapshotsAsync(path, DiskFormat.Qcow2, false, _ct)).Select(s => s.Name));
    }

    [Fact]
    public async Task A_raw_image_with_a_forged_qcow2_header_is_not_snapshotted_as_qcow2()
    {
        // A qcow2 image copied byte for byte into a file Vireo knows as raw: snapshot insists on opening it as
        // qcow2 explicitly, while info with -f raw must see no snapshots at all.
        var real = P("real.qcow2");
        await _img.CreateAsync(real, DiskFormat.Qcow2, 8 * MiB, null, _ct);
        await _img.CreateSnapshotAsync(real, "inside", _ct);
        var forged = P("forged.raw");
        File.Copy(real, forged);
        Assert.Empty(await _img.ListSnapshotsAsync(forged, DiskFormat.Raw, false, _ct));
        var plain = P("plain.raw");
        await _img.CreateAsync(plain, DiskFormat.Raw, 8 * MiB, null, _ct);
        var e = await Assert.ThrowsAsync<QemuImgException>(() => _img.CreateSnapshotAsync(plain, "s1", _ct));
        Assert.Contains("not in qcow2 format", e.Message);
    }

    [Fact]
    public async Task Applying_or_deleting_an_unknown_snapshot_fails_with_qemu_imgs_reason()
    {
        var path = P("x.qcow2");
        await _img.CreateAsync(path, DiskFormat.Qcow2, 8 * MiB, null, _ct);
        var apply = await Assert.ThrowsAsync<QemuImgException>(() => _img.ApplySnapshotAsync(path, "nope", _ct));
        Assert.Contains("nope", apply.Message);
        await Assert.ThrowsAsync<QemuImgException>(() => _img.DeleteSnapshotAsync(path, "nope", _ct));
    }

    [Fact]
    public void Image_opts_double_commas_in_the_path()
    {
        Assert.Equal("driver=qcow2,file.driver=file,file.filename=/a,,b", QemuImg.ImageOpts("/a,b"));
    }
}
