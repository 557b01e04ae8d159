using Vireo.Contracts;

namespace Vireo.Host.Tests;

public class HostCheckTextTests
{
    [Fact]
    public void Format_PrintsOneAlignedLinePerCheck_FixesIndented_AndASummary()
    {
        var report = new HostCheckReport
        {
            Accel = "tcg",
            Checks =
            [
                new HostCheckItem { Id = "qemu.binary", Title = "QEMU", Status = CheckStatus.Pass, Detail = "/usr/bin/qemu-system-x86_64: 7.2.22" },
                new HostCheckItem { Id = "kvm.device", Title = "/dev/kvm", Status = CheckStatus.Warn, Detail = "missing", Fix = "modprobe kvm_intel" },
                new HostCheckItem { Id = "state.dir", Title = "State directory", Status = CheckStatus.Fail, Detail = "not writable", Fix = "chown it" },
            ],
        };
        Assert.Equal(
            "PASS  QEMU             /usr/bin/qemu-system-x86_64: 7.2.22\n" +
            "WARN  /dev/kvm         missing\n" +
            "      fix: modprobe kvm_intel\n" +
            "FAIL  State directory  not writable\n" +
            "      fix: chown it\n" +
            "accelerator: tcg; 1 passed, 1 warning, 1 failure\n",
            HostCheckText.Format(report));
    }

    [Fact]
    public void Format_KeepsEveryCheckOnOneLine_EvenWithMultiLineDetails()
    {
        var report = new HostCheckReport
        {
            Accel = "kvm",
            Checks =
            [
                new HostCheckItem { Id = "a", Title = "A", Status = CheckStatus.Warn, Detail = "first\nsecond\r\n", Fix = "x\ny" },
                new HostCheckItem { Id = "b", Title = "B", Status = CheckStatus.Warn, Detail = "d", Fix = "z" },
            ],
        };
        Assert.Equal("WARN  A  first second\n      fix: x y\nWARN  B  d\n      fix: z\naccelerator: kvm; 0 passed, 2 warnings, 0 failures\n",
            HostCheckText.Format(report));
    }

    [Fact]
    public void Format_OmitsTheFixLine_ForAPassEvenIfOneIsSet()
    {
        var report = new HostCheckReport
        {
            Accel = "kvm",
            Checks = [new HostCheckItem { Id = "a", Title = "A", Status = CheckStatus.Pass, Detail = "ok", Fix = "ignored" }],
        };
        Assert.DoesNotContain("fix:", HostCheckText.Format(report));
    }

    [Theory]
    [InlineData(CheckStatus.Pass, "PASS")]
    [InlineData(CheckStatus.Warn, "WARN")]
    [InlineData(CheckStatus.Fail, "FAIL")]
    public void Label_IsFourUpperCaseLetters(CheckStatus status, string expected) => Assert.Equal(expected, HostCheckText.Label(status));
}
