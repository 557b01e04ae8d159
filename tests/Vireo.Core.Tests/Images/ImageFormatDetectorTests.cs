using System.Text;
using Vireo.Core.Images;

namespace Vireo.Core.Tests.Images;

public sealed class ImageFormatDetectorTests
{
    private static byte[] Header(int size = 1024) => new byte[size];

    [Fact]
    public void Magic_numbers_name_the_formats()
    {
        var qcow2 = Header(); qcow2[0] = 0x51; qcow2[1] = 0x46; qcow2[2] = 0x49; qcow2[3] = 0xfb;
        Assert.Equal("qcow2", ImageFormatDetector.Detect(qcow2, "x"));
        Assert.Equal("vmdk", ImageFormatDetector.Detect(Encoding.ASCII.GetBytes("KDMV" + new string('\0', 100)), "x"));
        Assert.Equal("vhdx", ImageFormatDetector.Detect(Encoding.ASCII.GetBytes("vhdxfile" + new string('\0', 100)), "x"));
        var vdi = Header(); vdi[0x40] = 0x7f; vdi[0x41] = 0x10; vdi[0x42] = 0xda; vdi[0x43] = 0xbe;
        Assert.Equal("vdi", ImageFormatDetector.Detect(vdi, "x"));
        var tar = Header(); Encoding.ASCII.GetBytes("ustar").CopyTo(tar, 257);
        Assert.Equal("ova", ImageFormatDetector.Detect(tar, "x"));
        Assert.Equal("ovf", ImageFormatDetector.Detect(Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\">"), "a.ovf"));
        Assert.Equal("vmdk-descriptor", ImageFormatDetector.Detect(Encoding.ASCII.GetBytes("# Disk DescriptorFile\nversion=1\n"), "a.vmdk"));
    }

    [Fact]
    public void A_raw_image_is_told_only_by_its_name_and_a_header_wins_over_the_name()
    {
        Assert.Equal("raw", ImageFormatDetector.Detect(Header(), "disk.raw"));
        Assert.Equal("raw", ImageFormatDetector.Detect(Header(), "disk.IMG"));
        Assert.Null(ImageFormatDetector.Detect(Header(), "disk.bin"));
        Assert.Null(ImageFormatDetector.Detect(Header(), "disk.qcow2"));
        Assert.Null(ImageFormatDetector.Detect([], "empty"));
        // A file named .raw with a vmdk header is a vmdk: the header is what qemu-img would read.
        Assert.Equal("vmdk", ImageFormatDetector.Detect(Encoding.ASCII.GetBytes("KDMV...."), "disk.raw"));
    }
}
