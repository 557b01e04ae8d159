using System.Diagnostics;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Core.Tests.Engine;

/// <summary>Formats are never probed: the backing chain is read from the qcow2 headers, and a backing file without a recorded format is refused.</summary>
public sealed class QemuConfinementTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-confine-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void QemuImg(params string[] args)
    {
        var psi = new ProcessStartInfo("qemu-img") { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
    }

    [Fact]
    [Trait("Category", "Reliability")]
    public void Backing_chain_carries_each_format_and_a_chain_without_one_is_refused()
    {
        var raw = Path.Combine(_dir, "base.raw");
        var mid = Path.Combine(_dir, "mid.qcow2");
        var top = Path.Combine(_dir, "top.qcow2");
        QemuImg("create", "-q", "-f", "raw", raw, "1M");
        QemuImg("create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid);
        QemuImg("create", "-q", "-f", "qcow2", "-b", mid, "-F", "qcow2", top);

        Assert.Equal([(mid, "qcow2"), (raw, "raw")], QemuConfinement.BackingChain(top, "disks[0]"));
        Assert.Empty(QemuConfinement.BackingChain(raw, "disks[0]"));

        // qemu-img 7.2 no longer writes such an image, but older ones did and a hand-made one can: the backing-format
        // header extension (0xe2792aca) renamed to an unknown one leaves the backing file with no recorded format.
        var bytes = File.ReadAllBytes(mid);
        var at = bytes.AsSpan().IndexOf(new byte[] { 0xe2, 0x79, 0x2a, 0xca });
        Assert.True(at > 0);
        bytes[at] = 0x12;
        File.WriteAllBytes(mid, bytes);
        Assert.Equal(("base.raw", (string?)null), QemuConfinement.ReadQcow2Backing(mid));

        var e = Assert.Throws<InvalidInputException>(() => QemuConfinement.BackingChain(top, "disks[0]"));
        Assert.Contains("no recorded format", e.Message);
        Assert.Contains(mid, e.Message);
    }

    [Fact]
    public void A_state_directory_behind_a_0700_directory_is_named_with_its_mode_and_the_fix()
    {
        // _dir is a temp subdirectory: 0700, as CreateTempSubdirectory makes it.
        var state = Path.Combine(_dir, "state", "vms");
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var e = QemuConfinement.Unreachable(state);
        Assert.NotNull(e);
        Assert.Contains($"the directory {_dir} has mode 0700", e.Message);
        Assert.Contains($"chmod o+x {_dir}", e.Hint);
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1c9 /* 0711 */);
        Assert.Null(QemuConfinement.Unreachable(state));
    }
}
