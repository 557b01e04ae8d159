using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;

namespace Vireo.Core.Tests.Snapshots;

/// <summary>Refusals and failure handling of snapshots on a stopped VM: each leaves disks and records unchanged.</summary>
public sealed class SnapshotRulesTests
{
    [Fact]
    public async Task A_writable_raw_disk_is_refused_naming_the_disk()
    {
        await using var vm = await SnapshotTestVm.CreateAsync(format: "raw");
        // The VM's disks, not the request, are what is wrong: a conflict (exit 4), the fix in the hint.
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => vm.CreateAsync("s1"));
        Assert.Contains(vm.Disks[0], e.Message);
        Assert.Contains("qcow2", e.Message);
        Assert.Contains("vireo vol convert", e.Hint);
        Assert.Empty(vm.List());
    }

    [Fact]
    public async Task A_memory_snapshot_of_a_stopped_vm_is_refused_and_nothing_is_made()
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => vm.CreateAsync("s1", SnapshotKind.Memory));
        Assert.Contains("no RAM to save", e.Message);
        Assert.Contains("--disk-only", e.Hint);
        Assert.Empty(new Qcow2Reader(vm.Disks[0], vm.BasePath).SnapshotNames);
        Assert.Empty(vm.List());
    }

    [Theory]
    [InlineData("123")]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("a b")]
    public async Task Invalid_names_are_refused(string name)
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => vm.CreateAsync(name));
        Assert.Equal("name", Assert.Single(e.FieldErrors).Field);
        Assert.Empty(new Qcow2Reader(vm.Disks[0], vm.BasePath).SnapshotNames);
    }

    [Fact]
    public async Task A_duplicate_name_is_refused_and_the_disk_keeps_one_snapshot_of_that_name()
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        await vm.CreateAsync("s1");
        await Assert.ThrowsAsync<AlreadyExistsException>(() => vm.CreateAsync("s1"));
        // The oracle throws on two snapshots with one name.
        Assert.Equal(["s1"], new Qcow2Reader(vm.Disks[0], vm.BasePath).SnapshotNames);
        Assert.Single(vm.List());
    }

    [Fact]
    public async Task A_snapshot_name_already_inside_the_disk_but_unknown_to_vireo_is_refused()
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        await SnapshotTestVm.RunAsync("qemu-img", "snapshot", "-c", "byhand", vm.Disks[0]);
        var e = await Assert.ThrowsAsync<AlreadyExistsException>(() => vm.CreateAsync("byhand"));
        Assert.Contains(vm.Disks[0], e.Message);
        Assert.Equal(["byhand"], new Qcow2Reader(vm.Disks[0], vm.BasePath).SnapshotNames);
        Assert.Empty(vm.List());
    }

    [Fact]
    public async Task Unknown_snapshots_are_not_found_for_revert_delete_and_info()
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        await vm.CreateAsync("s1");
        await Assert.ThrowsAsync<NotFoundException>(() => vm.RevertAsync("nope"));
        await Assert.ThrowsAsync<NotFoundException>(() => vm.DeleteAsync("nope"));
        await Assert.ThrowsAsync<NotFoundException>(() => vm.Engine.GetSnapshotAsync(SnapshotTestVm.Name, "nope", CancellationToken.None));
        Assert.Equal("s1", Assert.Single(vm.List()).Name);
    }

    [Fact]
    public async Task When_one_disk_fails_the_snapshot_already_made_on_the_other_is_removed()
    {
        await using var vm = await SnapshotTestVm.CreateAsync(diskCount: 2);
        // A read-only qemu-io holding the second disk lets qemu-img read it but not write a snapshot into it.
        var psi = new ProcessStartInfo("qemu-io") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-r", "-f", "qcow2", vm.Disks[1] })
            psi.ArgumentList.Add(a);
        using var holder = Process.Start(psi)!;
        try
        {
            await Task.Delay(300);
            var e = await Assert.ThrowsAsync<QemuFailedException>(() => vm.CreateAsync("s1"));
            Assert.Contains("lock", e.Message);
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync();
        }
        Assert.Empty(new Qcow2Reader(vm.Disks[0], vm.BasePath).SnapshotNames);
        Assert.Empty(new Qcow2Reader(vm.Disks[1], vm.BasePath).SnapshotNames);
        Assert.Empty(vm.List());
        await vm.AssertCleanAsync("after the failed snapshot");
    }

    [Fact]
    public async Task Revert_brings_back_every_disk_of_a_two_disk_vm()
    {
        await using var vm = await SnapshotTestVm.CreateAsync(diskCount: 2);
        await vm.WriteAsync(0x11, 0);
        var info = await vm.CreateAsync("s1");
        Assert.Equal(vm.Disks, info.Disks.Select(d => d.Path));
        Assert.Equal(VmState.Stopped, info.VmState);
        await vm.WriteAsync(0x22, 0);
        var result = await vm.RevertAsync("s1");
        Assert.Equal(VmState.Stopped, result.State);
        foreach (var disk in vm.Disks)
            Assert.All(new Qcow2Reader(disk, vm.BasePath).ReadCluster(0), b => Assert.Equal(0x11, b));
    }

    [Fact]
    public async Task A_snapshot_removed_from_a_disk_behind_vireos_back_refuses_revert_without_touching_the_others()
    {
        await using var vm = await SnapshotTestVm.CreateAsync(diskCount: 2);
        await vm.WriteAsync(0x11, 0);
        await vm.CreateAsync("s1");
        await vm.WriteAsync(0x22, 0);
        await SnapshotTestVm.RunAsync("qemu-img", "snapshot", "-d", "s1", vm.Disks[1]);
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => vm.RevertAsync("s1"));
        Assert.Contains(vm.Disks[1], e.Message);
        Assert.All(new Qcow2Reader(vm.Disks[0], vm.BasePath).ReadCluster(0), b => Assert.Equal(0x22, b));
        // Delete finishes the job on the disk that still has it and forgets the record.
        await vm.DeleteAsync("s1");
        Assert.Empty(new Qcow2Reader(vm.Disks[0], vm.BasePath).SnapshotNames);
        Assert.Empty(vm.List());
    }

    [Fact]
    public async Task Undefining_the_vm_removes_its_snapshot_records()
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        await vm.CreateAsync("s1");
        await vm.CreateAsync("s2");
        var uuid = vm.Engine.Get(SnapshotTestVm.Name).Uuid;
        using (var store = VireoStore.Open(Path.Combine(vm.Engine.Paths.Root, "vireo.db")))
            Assert.Equal(2, store.ListSnapshots(uuid).Count);
        await vm.Engine.UndefineAsync(SnapshotTestVm.Name, CancellationToken.None);
        using (var store = VireoStore.Open(Path.Combine(vm.Engine.Paths.Root, "vireo.db")))
            Assert.Empty(store.ListSnapshots(uuid));
    }

    [Fact]
    public async Task Info_reports_kind_state_parent_children_and_description()
    {
        await using var vm = await SnapshotTestVm.CreateAsync();
        await vm.Engine.CreateSnapshotAsync(SnapshotTestVm.Name, new SnapshotCreateRequest { Name = "s1", Description = "first" }, CancellationToken.None);
        await vm.CreateAsync("s2");
        await vm.RevertAsync("s1");
        await vm.CreateAsync("s3");
        var s1 = await vm.Engine.GetSnapshotAsync(SnapshotTestVm.Name, "s1", CancellationToken.None);
        Assert.Equal("first", s1.Description);
        Assert.Equal(["s2", "s3"], s1.Children);
        Assert.Null(s1.Parent);
        Assert.False(s1.Current);
        Assert.Equal(SnapshotKind.Disk, s1.Kind);
        var s3 = Assert.Single(vm.List(), s => s.Current);
        Assert.Equal("s3", s3.Name);
        Assert.Equal("s1", s3.Parent);
    }
}
