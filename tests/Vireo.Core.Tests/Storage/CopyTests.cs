using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Tests.Storage;

public sealed class CopyTests
{
    private const long MiB = StorageFixture.MiB;

    [Fact]
    public async Task A_raw_image_with_a_forged_qcow2_header_imported_as_raw_stays_raw_byte_for_byte()
    {
        await using var f = await StorageFixture.StartAsync();
        var source = await ForgedRawAsync(f, Path.Combine(f.Root, "guest.raw"));

        var v = await f.Service.ImportAsync("default/guest.raw", new VolumeImportRequest { From = source, SourceFormat = "raw" }, null, f.Ct);
        Assert.Equal("raw", v.Format);
        Assert.Equal(new FileInfo(source).Length, v.VirtualSizeBytes);
        Assert.Empty(v.BackingChain);
        Assert.Equal(await File.ReadAllBytesAsync(source, f.Ct), await File.ReadAllBytesAsync(v.Path, f.Ct));
    }

    [Fact]
    public async Task A_qcow2_whose_backing_file_has_no_recorded_format_is_refused()
    {
        await using var f = await StorageFixture.StartAsync();
        var img = QemuImg.Locate();
        var top = Path.Combine(f.Root, "top.qcow2");
        await img.CreateAsync(Path.Combine(f.Root, "base.raw"), DiskFormat.Raw, MiB, null, f.Ct);
        await img.CreateAsync(top, DiskFormat.Qcow2, null, new BackingFile(Path.Combine(f.Root, "base.raw"), DiskFormat.Raw), f.Ct);
        // Blank the magic of the backing-format header extension: an old image that leaves the format to probing.
        var bytes = await File.ReadAllBytesAsync(top, f.Ct);
        var at = bytes.AsSpan(0, 4096).IndexOf(new byte[] { 0xE2, 0x79, 0x2A, 0xCA });
        Assert.True(at > 0);
        bytes[at] = 0x0B;
        await File.WriteAllBytesAsync(top, bytes, f.Ct);

        var e = await Assert.ThrowsAsync<InvalidInputException>(() => f.Service.ImportAsync("default/top.qcow2", new VolumeImportRequest { From = top, SourceFormat = "qcow2" }, null, f.Ct));
        Assert.Contains("no recorded format", e.FieldErrors[0].Message);
        Assert.Empty(StorageFixture.Listing(f.DefaultDir));
        Assert.Empty(f.Store.ListVolumes());
    }

    [Fact]
    public async Task Import_needs_a_source_format()
    {
        await using var f = await StorageFixture.StartAsync();
        var source = Path.Combine(f.Root, "x.img");
        await File.WriteAllBytesAsync(source, new byte[4096], f.Ct);
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => f.Service.ImportAsync("default/x", new VolumeImportRequest { From = source, SourceFormat = "" }, null, f.Ct));
        Assert.Contains(e.FieldErrors, x => x.Field == "source_format" && x.Message.Contains("never guesses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Convert_and_clone_keep_the_data_and_the_clone_stays_sparse()
    {
        await using var f = await StorageFixture.StartAsync();
        var raw = await f.CreateAsync("default", "a.raw", "64M", "raw");
        await WriteAtAsync(raw.Path, 8 * MiB, 4 * MiB);

        var q = await f.Service.CopyVolumeAsync("default/a.raw", new VolumeCopyRequest { Destination = "default/a.qcow2", Format = "qcow2" }, convert: true, null, f.Ct);
        Assert.Equal("qcow2", q.Format);
        var back = await f.Service.CopyAsync("default/a.qcow2", "default/b.qcow2", null, f.Ct);
        Assert.Equal("qcow2", back.Format);
        var r = await f.Service.CopyVolumeAsync("default/b.qcow2", new VolumeCopyRequest { Destination = "default/b.raw", Format = "raw" }, convert: true, null, f.Ct);
        Assert.Equal(await File.ReadAllBytesAsync(raw.Path, f.Ct), await File.ReadAllBytesAsync(r.Path, f.Ct));
        Assert.Equal(64 * MiB, r.VirtualSizeBytes);
        var allocated = (await f.Service.GetVolumeAsync("default/b.raw", f.Ct)).ActualSizeBytes;
        Assert.True(allocated < 16 * MiB, $"the raw copy is not sparse: {allocated} bytes allocated");
    }

    [Fact]
    public async Task A_copy_of_a_disk_a_running_VM_writes_is_refused()
    {
        await using var f = await StorageFixture.StartAsync();
        await f.CreateAsync("default", "root.qcow2");
        f.DefineVm("web1", running: true, new DiskSpec { Volume = "default/root.qcow2" });
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.CopyAsync("default/root.qcow2", "default/copy.qcow2", null, f.Ct));
        Assert.Contains("web1", e.Message);
        Assert.Equal(["root.qcow2"], StorageFixture.Listing(f.DefaultDir));
    }

    [Fact]
    public async Task A_cancelled_convert_operation_leaves_no_file_no_row_and_frees_the_name()
    {
        await using var f = await StorageFixture.StartAsync();
        var raw = await f.CreateAsync("default", "big.raw", "64M", "raw");
        await WriteAtAsync(raw.Path, 0, 64 * MiB);
        var op = await f.Service.StartConvertAsync("default/big.raw", new VolumeCopyRequest { Destination = "default/big.qcow2", Format = "qcow2", RateLimit = "4M" }, f.Ct);
        Assert.Equal(OperationStatus.Running, op.Status);
        await f.Operations.WaitAsync(op.Id, TimeSpan.FromSeconds(1), f.Ct);
        Assert.Contains(StorageFixture.Listing(f.DefaultDir), n => n.StartsWith(".vireo-tmp-", StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => f.Service.DeleteAsync("default/big.raw", f.Ct));
        Assert.Contains("being copied", e.Message);

        f.Operations.Cancel(op.Id);
        var done = await f.Operations.WaitAsync(op.Id, TimeSpan.FromSeconds(10), f.Ct);
        Assert.Equal(OperationStatus.Cancelled, done.Status);
        Assert.Equal(["big.raw"], StorageFixture.Listing(f.DefaultDir));
        Assert.Equal(["big.raw"], f.Store.ListVolumes().Select(v => v.Name));
        await f.Service.DeleteAsync("default/big.raw", f.Ct);
    }

    [Fact]
    public async Task A_failed_operation_reports_its_error()
    {
        await using var f = await StorageFixture.StartAsync();
        var bogus = await f.CreateAsync("default", "bogus.qcow2", "1M", "qcow2");
        // Damage the image behind Vireo's back: the convert must fail, cleanly.
        await File.WriteAllBytesAsync(bogus.Path, new byte[4096], f.Ct);
        var op = await f.Service.StartCloneAsync("default/bogus.qcow2", new VolumeCopyRequest { Destination = "default/c.qcow2" }, f.Ct);
        var done = await f.Operations.WaitAsync(op.Id, TimeSpan.FromSeconds(20), f.Ct);
        Assert.Equal(OperationStatus.Failed, done.Status);
        Assert.Equal(ErrorCodes.QemuError, done.Error!.Code);
        Assert.Equal(["bogus.qcow2"], StorageFixture.Listing(f.DefaultDir));
    }

    /// <summary>A raw file whose first 64 KiB are a real qcow2 header naming /etc/passwd as its backing file.</summary>
    internal static async Task<string> ForgedRawAsync(StorageFixture f, string path)
    {
        var img = QemuImg.Locate();
        var evil = Path.Combine(f.Root, "evil.qcow2");
        await img.CreateAsync(evil, DiskFormat.Qcow2, 64 * MiB, new BackingFile("/etc/passwd", DiskFormat.Raw), f.Ct);
        var header = (await File.ReadAllBytesAsync(evil, f.Ct)).AsMemory(0, 64 * 1024);
        await using (var raw = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            raw.SetLength(4 * MiB);
            await raw.WriteAsync(header, f.Ct);
        }
        File.Delete(evil);
        return path;
    }

    private static async Task WriteAtAsync(string path, long offset, long count)
    {
        await using var s = new FileStream(path, FileMode.Open, FileAccess.Write);
        s.Position = offset;
        var buffer = new byte[MiB];
        for (long done = 0; done < count; done += MiB)
        {
            Random.Shared.NextBytes(buffer);
            await s.WriteAsync(buffer);
        }
    }
}
