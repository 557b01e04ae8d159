using Vireo.Qemu.Model;

namespace Vireo.Qemu.Tests.Unit;

/// <summary>qemu-img convert's argument list: formats always explicit, writes in order.</summary>
public sealed class ConvertArgumentsTests
{
    [Fact]
    public void Both_formats_are_given_and_progress_is_asked_for()
    {
        var args = QemuImg.ConvertArguments("/p/a.qcow2", DiskFormat.Qcow2, "/p/b.raw", DiskFormat.Raw, new ConvertOptions(), progress: true);
        Assert.Equal(["convert", "-p", "-f", "qcow2", "-O", "raw", "/p/a.qcow2", "/p/b.raw"], args);
    }

    [Fact]
    public void Quiet_copy_with_a_rate_limit_passes_it_in_bytes_per_second()
    {
        var args = QemuImg.ConvertArguments("/p/a.raw", DiskFormat.Raw, "/p/b.qcow2", DiskFormat.Qcow2,
            new ConvertOptions { RateLimitBytesPerSecond = 4 << 20 }, progress: false);
        Assert.Equal(["convert", "-q", "-f", "raw", "-O", "qcow2", "-r", "4194304", "/p/a.raw", "/p/b.qcow2"], args);
    }

    [Fact]
    public void Zero_rate_limit_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QemuImg.ConvertArguments("/a", DiskFormat.Raw, "/b", DiskFormat.Raw,
            new ConvertOptions { RateLimitBytesPerSecond = 0 }, progress: true));
    }
}
