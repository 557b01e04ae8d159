using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Unit;

/// <summary>qemu-img info --output=json as recorded from qemu-img 7.2.22.</summary>
public sealed class ImageInfoParserTests
{
    [Fact]
    public void Qcow2_overlay_reports_backing_file_and_its_format()
    {
        var info = QemuImg.ParseInfo(File.ReadAllText(TestPaths.Fixture("img-info-qcow2-overlay.json")));
        Assert.Equal("qcow2", info.Format);
        Assert.Equal(64L << 20, info.VirtualSize);
        Assert.Equal(65536, info.ClusterSize);
        Assert.Equal("/tmp/qx/b.qcow2", info.BackingFilename);
        Assert.Equal("qcow2", info.BackingFormat);
        Assert.Equal("1.1", info.Compat);
        Assert.False(info.Corrupt);
        Assert.False(info.Dirty);
    }

    [Fact]
    public void Raw_image_has_no_qcow2_fields()
    {
        var info = QemuImg.ParseInfo(File.ReadAllText(TestPaths.Fixture("img-info-raw.json")));
        Assert.Equal("raw", info.Format);
        Assert.Equal(1L << 20, info.VirtualSize);
        Assert.Equal(4096, info.ActualSize);
        Assert.Null(info.ClusterSize);
        Assert.Null(info.BackingFilename);
        Assert.Null(info.Compat);
    }

    [Fact]
    public void Unreadable_output_raises_qemu_img_exception() =>
        Assert.Throws<QemuImgException>(() => QemuImg.ParseInfo("Formatting 'x'"));
}
