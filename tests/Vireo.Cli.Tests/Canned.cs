using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>Canned API documents the fake daemon serves.</summary>
internal static class Canned
{
    public static VmInfo Vm(string name, VmState state, int? pid) => new()
    {
        Name = name,
        Uuid = "6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11",
        State = state,
        Reason = state == VmState.Crashed ? "QEMU killed by signal 9" : null,
        Spec = new VmSpec
        {
            Name = name,
            Vcpus = 2,
            Memory = 1024,
            Disks = [new DiskSpec { Path = $"/var/lib/vireo/{name}.qcow2", Format = "qcow2" }],
            Nics = [new NicSpec { Type = "user", Mac = "52:54:00:12:34:56" }],
        },
        Runtime = pid is null ? null : new VmRuntimeInfo
        {
            Pid = pid.Value,
            Accel = "tcg",
            AccelWarning = "/dev/kvm is missing",
            StartedAt = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
            VncPort = 5900,
            QemuStatus = "running",
        },
        DefinedAt = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero),
        SerialLog = $"/var/lib/vireo/vms/{name}/serial.log",
    };

    public static VmSummary Summary(VmInfo vm) => new()
    {
        Name = vm.Name,
        Uuid = vm.Uuid,
        State = vm.State,
        Vcpus = vm.Spec.Vcpus,
        Memory = vm.Spec.Memory,
        Autostart = vm.Spec.Autostart,
        Pid = vm.Runtime?.Pid,
    };

    public static HostInfo Host() => new()
    {
        Version = "0.1.0-fake",
        Hostname = "fakehost",
        Emulator = "/usr/bin/qemu-system-x86_64",
        QemuVersion = "7.2.22",
        Accel = "tcg",
        AccelWarning = "/dev/kvm does not exist",
        StateDir = "/var/lib/vireo",
        HostCpus = 2,
        HostMemory = 24576,
        Vms = 3,
        ActiveVms = 1,
        Images = [new ImageInfo { Name = "tiny", Available = true, Location = "/var/lib/vireo/images/tiny" }],
    };

    /// <summary>base → (s1 → s1a, s2*): two levels, a current one.</summary>
    public static List<SnapshotInfo> SnapshotTree(string vm)
    {
        var at = new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.Zero);
        SnapshotInfo Snap(string name, string? parent, string[] children, bool current = false) => new()
        {
            Name = name, Vm = vm, Kind = SnapshotKind.Disk, VmState = VmState.Stopped, CreatedAt = at, Parent = parent,
            Children = children, Current = current,
        };
        return [Snap("base", null, ["s1", "s2"]), Snap("s1", "base", ["s1a"]), Snap("s1a", "s1", []), Snap("s2", "base", [], current: true)];
    }

    public static HostCheckReport HostCheck(CheckStatus worst) => new()
    {
        Accel = "tcg",
        Checks =
        [
            new HostCheckItem { Id = "qemu.binary", Title = "QEMU", Status = CheckStatus.Pass, Detail = "qemu-system-x86_64 7.2.22" },
            new HostCheckItem { Id = "kvm.device", Title = "/dev/kvm", Status = worst, Detail = "/dev/kvm does not exist", Fix = "enable virtualization in the BIOS and load kvm_intel or kvm_amd" },
        ],
    };
}
