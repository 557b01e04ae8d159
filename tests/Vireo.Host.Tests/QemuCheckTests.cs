using Vireo.Contracts;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class QemuCheckTests
{
    [Fact]
    public async Task QemuBinary_PassesWithPathAndVersion_WhenFoundInPath()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Pass);
        Assert.Equal($"{host.PathOf("usr/bin/qemu-system-x86_64")}: QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4)", item.Detail);
    }

    [Fact]
    public async Task QemuBinary_FindsRhelsQemuKvm_InLibexec()
    {
        using var host = FixtureHost.Load("amd-nested");
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Pass);
        Assert.StartsWith(host.PathOf("usr/libexec/qemu-kvm"), item.Detail);
        Assert.Contains("8.2.0", item.Detail);
    }

    [Fact]
    public async Task QemuBinary_FailsWithAptFix_WhenMissing()
    {
        using var host = FixtureHost.Load("no-qemu");
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("qemu-system-x86_64 not found", item.Detail);
        Assert.StartsWith("apt-get install qemu-system-x86", item.Fix);
    }

    [Fact]
    public async Task QemuBinary_IgnoresAFileWithoutExecuteBits()
    {
        using var host = FixtureHost.Load("intel-kvm");
        File.SetUnixFileMode(host.PathOf("usr/bin/qemu-system-x86_64"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("not found", item.Detail);
    }

    [Theory]
    [InlineData("QEMU emulator version 5.2.0 (Debian 1:5.2+dfsg-11+deb11u3)", "5.2.0")]
    [InlineData("QEMU emulator version 6.1.1", "6.1.1")]
    public async Task QemuBinary_Fails_WhenOlderThan62(string banner, string version)
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Commands.Answer("qemu-system-x86_64", "--version", 0, banner + "\n");
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains($"version {version} is older than 6.2", item.Detail);
        Assert.Contains("upgrade QEMU", item.Fix);
    }

    [Fact]
    public async Task QemuBinary_Passes_AtExactly62()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Commands.Answer("qemu-system-x86_64", "--version", 0, "QEMU emulator version 6.2.0 (Debian 1:6.2+dfsg-2ubuntu6.22)\n");
        (await host.CheckAsync(HostCheckIds.QemuBinary)).HasStatus(CheckStatus.Pass);
    }

    [Fact]
    public async Task QemuBinary_Fails_WhenVersionCommandFails()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Commands.Answer("qemu-system-x86_64", "--version", 127, "",
            "qemu-system-x86_64: error while loading shared libraries: libslirp.so.0: cannot open shared object file\n");
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("exit status 127: qemu-system-x86_64: error while loading shared libraries", item.Detail);
        Assert.Contains("--reinstall", item.Fix);
    }

    [Fact]
    public async Task QemuBinary_Fails_WhenTheBannerHasNoVersion()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Commands.Answer("qemu-system-x86_64", "--version", 0, "hello\n");
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("printed no version", item.Detail);
    }

    [Fact]
    public async Task VireoQemu_OverridesThePathSearch()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Write("opt/qemu-9/bin/qemu-system-x86_64", "#!/bin/sh\n# fixture placeholder, never executed\nexit 99\n");
        var custom = host.PathOf("opt/qemu-9/bin/qemu-system-x86_64");
        File.SetUnixFileMode(custom, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        host.Env = host.Env with { QemuOverride = custom };
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Pass);
        Assert.StartsWith(custom + ":", item.Detail);
        Assert.Contains($"{custom} --version", host.Commands.Calls);
        Assert.DoesNotContain($"{host.PathOf("usr/bin/qemu-system-x86_64")} --version", host.Commands.Calls);
    }

    [Fact]
    public async Task VireoQemu_PointingNowhere_FailsInsteadOfFallingBack()
    {
        using var host = FixtureHost.Load("intel-kvm");
        host.Env = host.Env with { QemuOverride = "/nonexistent/qemu-system-x86_64" };
        var item = await host.CheckAsync(HostCheckIds.QemuBinary);
        item.HasStatus(CheckStatus.Fail);
        Assert.Equal("VIREO_QEMU=/nonexistent/qemu-system-x86_64 is not an executable file", item.Detail);
        Assert.Contains("unset it", item.Fix);
    }

    [Fact]
    public async Task QemuImg_PassesWithVersion()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var item = await host.CheckAsync(HostCheckIds.QemuImg);
        item.HasStatus(CheckStatus.Pass);
        Assert.Contains("qemu-img version 8.2.2", item.Detail);
    }

    [Fact]
    public async Task QemuImg_FailsWithQemuUtilsFix_WhenMissing()
    {
        using var host = FixtureHost.Load("no-qemu");
        var item = await host.CheckAsync(HostCheckIds.QemuImg);
        item.HasStatus(CheckStatus.Fail);
        Assert.Contains("qemu-img not found", item.Detail);
        Assert.StartsWith("apt-get install qemu-utils", item.Fix);
    }
}
