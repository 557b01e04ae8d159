using Vireo.Host.Os;

namespace Vireo.Host.Tests;

public class ToolVersionTests
{
    [Theory]
    [InlineData("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022", "7.2.22", 7, 2)]
    [InlineData("QEMU emulator version 8.2.0 (qemu-kvm-8.2.0-11.el9_4)", "8.2.0", 8, 2)]
    [InlineData("qemu-img version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6.22)", "6.2.0", 6, 2)]
    [InlineData("nftables v1.0.6 (Lester Gooch #5)", "1.0.6", 1, 0)]
    [InlineData("Dnsmasq version 2.90  Copyright (c) 2000-2024 Simon Kelley", "2.90", 2, 90)]
    public void Parse_ReadsTheVersionFromTheBannersFirstLine(string output, string text, int major, int minor)
    {
        var v = ToolVersion.Parse(output);
        Assert.NotNull(v);
        Assert.Equal(text, v.Text);
        Assert.Equal((major, minor), (v.Version.Major, v.Version.Minor));
        Assert.DoesNotContain('\n', v.Banner);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world")]
    [InlineData("Copyright 2003-2022")]
    public void Parse_ReturnsNull_WithoutAVersion(string output) => Assert.Null(ToolVersion.Parse(output));
}
