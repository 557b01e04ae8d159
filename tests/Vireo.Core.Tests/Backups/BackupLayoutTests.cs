using Vireo.Contracts;
using Vireo.Core.Backups;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Qemu.Model;

namespace Vireo.Core.Tests.Backups;

public sealed class BackupLayoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vireo-bk-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static BackupInfo Backup(string id, string uuid = "u1", string? parent = null) => new()
    {
        Id = id,
        Vm = "web",
        VmUuid = uuid,
        Type = parent is null ? BackupType.Full : BackupType.Incremental,
        Parent = parent,
        Chain = parent ?? id,
        Disks = [new BackupDisk { Index = 0, Node = "drive0", Source = "/d.qcow2", Format = "qcow2", File = "disk0.qcow2", FileBytes = 100 }],
    };

    private string Write(BackupInfo info)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, info.Vm, info.Id)).FullName;
        BackupLayout.WriteManifest(dir, info);
        return dir;
    }

    [Fact]
    public void A_manifest_round_trips_and_leaves_no_temporary_file()
    {
        var dir = Write(Backup("20260101T000000000Z"));
        Assert.Equal(["manifest.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
        var read = BackupLayout.Read(dir);
        Assert.Equal("20260101T000000000Z", read.Id);
        Assert.Equal(dir, read.Path);
        Assert.Equal(100, read.AllocatedBytes);
    }

    [Fact]
    public void Listing_skips_unfinished_and_unreadable_backups_and_latest_is_per_vm_uuid()
    {
        Write(Backup("20260101T000000000Z"));
        Write(Backup("20260102T000000000Z", parent: "20260101T000000000Z"));
        Write(Backup("20260103T000000000Z", uuid: "other"));
        Directory.CreateDirectory(Path.Combine(_root, "web", BackupLayout.TempPrefix + "20260104T000000000Z"));
        var broken = Directory.CreateDirectory(Path.Combine(_root, "web", "20260105T000000000Z")).FullName;
        File.WriteAllText(Path.Combine(broken, BackupLayout.ManifestName), "{ not json");

        var all = BackupLayout.List(_root, null);
        Assert.Equal(["20260101T000000000Z", "20260102T000000000Z", "20260103T000000000Z"], all.Select(b => b.Id));
        Assert.Equal("20260102T000000000Z", BackupLayout.Latest(Path.Combine(_root, "web"), "u1")!.Id);
        Assert.Null(BackupLayout.Latest(Path.Combine(_root, "nothing"), "u1"));
        Assert.Throws<BackupNotFoundException>(() => BackupLayout.Read(broken));
    }

    [Fact]
    public void New_ids_never_reuse_an_existing_or_unfinished_directory()
    {
        var vmDir = Directory.CreateDirectory(Path.Combine(_root, "web")).FullName;
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var first = BackupLayout.NewId(vmDir, now);
        Assert.Equal("20260101T000000000Z", first);
        Directory.CreateDirectory(Path.Combine(vmDir, first));
        Directory.CreateDirectory(Path.Combine(vmDir, BackupLayout.TempPrefix + "20260101T000000001Z"));
        Assert.Equal("20260101T000000002Z", BackupLayout.NewId(vmDir, now));
    }

    [Theory]
    [InlineData("relative/dir", "absolute")]
    [InlineData("/tmp/../etc", "'..'")]
    [InlineData("", "required")]
    public void A_bad_backup_directory_is_refused_naming_the_field(string dir, string reason)
    {
        var e = Assert.Throws<InvalidInputException>(() => BackupLayout.PrepareRoot(dir, "target"));
        var field = Assert.Single(e.FieldErrors);
        Assert.Equal("target", field.Field);
        Assert.Contains(reason, field.Message);
    }

    [Fact]
    public void A_file_is_not_a_backup_directory()
    {
        var file = Path.Combine(_root, "f");
        File.WriteAllText(file, "");
        var e = Assert.Throws<InvalidInputException>(() => BackupLayout.PrepareRoot(file, "target"));
        Assert.Contains("not a directory", e.FieldErrors[0].Message);
    }

    [Fact]
    public void Sources_are_the_writable_disks_with_their_spec_index()
    {
        var spec = new VmSpec
        {
            Name = "web",
            Disks =
            [
                new DiskSpec { Device = "cdrom" },
                new DiskSpec { Path = "/a.qcow2", Format = "qcow2" },
                new DiskSpec { Path = "/iso", Format = "raw", Device = "cdrom" },
                new DiskSpec { Path = "/b.raw", Format = "raw" },
            ],
        };
        BlockNode[] nodes =
        [
            new("drive1", "/a.qcow2", DiskFormat.Qcow2),
            new("drive2", "/iso", DiskFormat.Raw) { ReadOnly = true },
            new("drive3", "/b.raw", DiskFormat.Raw),
        ];
        var (sources, skipped) = BackupSources.From(spec, nodes);
        Assert.Equal([1, 3], sources.Select(s => s.Index));
        Assert.Equal(["disk1.qcow2", "disk3.qcow2"], sources.Select(s => s.File));
        Assert.Equal([true, false], sources.Select(s => s.CanTrackChanges));
        Assert.Equal(["/iso"], skipped);
    }

    [Theory]
    [InlineData(VmState.Running, true, VmAction.Backup, null)]
    [InlineData(VmState.Paused, true, VmAction.Backup, null)]
    [InlineData(VmState.Stopped, false, VmAction.Backup, null)]
    [InlineData(VmState.Starting, true, VmAction.Backup, "backed up when")]
    [InlineData(VmState.ShuttingDown, true, VmAction.Backup, "backed up when")]
    [InlineData(VmState.Stopped, false, VmAction.Restore, null)]
    [InlineData(VmState.Crashed, false, VmAction.Restore, null)]
    [InlineData(VmState.Running, true, VmAction.Restore, "only replaced while it is stopped")]
    [InlineData(VmState.Crashed, true, VmAction.Restore, "only replaced while it is stopped")]
    public void Backups_run_in_any_settled_state_and_restores_only_when_stopped(VmState state, bool hasProcess, VmAction action, string? refusal)
    {
        var answer = VmStateMachine.Refusal("vm", state, hasProcess, action);
        if (refusal is null)
            Assert.Null(answer);
        else
            Assert.Contains(refusal, answer?.Message);
    }
}
