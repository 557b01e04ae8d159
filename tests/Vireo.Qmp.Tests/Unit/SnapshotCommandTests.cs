using Xunit;

namespace Vireo.Qmp.Tests.Unit;

public sealed class SnapshotCommandTests
{
    [Fact]
    public void Snapshot_save_names_the_job_the_tag_the_vmstate_node_and_every_device()
    {
        var command = new SnapshotSaveCommand("j1", "s1", "drive0", ["drive0", "drive1"]);
        Assert.Equal("snapshot-save", command.Name);
        Assert.Equal("""{"job-id":"j1","tag":"s1","vmstate":"drive0","devices":["drive0","drive1"]}""", command.BuildArguments()!.ToJsonString());
    }

    [Fact]
    public void Snapshot_load_has_the_same_arguments_as_save()
    {
        var command = new SnapshotLoadCommand("j2", "s1", "drive0", ["drive0"]);
        Assert.Equal("snapshot-load", command.Name);
        Assert.Equal("""{"job-id":"j2","tag":"s1","vmstate":"drive0","devices":["drive0"]}""", command.BuildArguments()!.ToJsonString());
    }

    [Fact]
    public void Snapshot_delete_has_no_vmstate()
    {
        var command = new SnapshotDeleteCommand("j3", "s1", ["drive0"]);
        Assert.Equal("snapshot-delete", command.Name);
        Assert.Equal("""{"job-id":"j3","tag":"s1","devices":["drive0"]}""", command.BuildArguments()!.ToJsonString());
    }

    [Fact]
    public void A_snapshot_job_without_devices_is_refused_before_it_reaches_QEMU()
    {
        Assert.Throws<ArgumentException>(() => new SnapshotSaveCommand("j", "s", "drive0", []).BuildArguments());
    }

    [Fact]
    public void An_internal_snapshot_action_goes_into_a_transaction_per_disk()
    {
        var command = QmpCommands.Transaction([InternalSnapshotActions.Create("drive0", "s1"), InternalSnapshotActions.Create("drive1", "s1")]);
        Assert.Equal(
            """{"actions":[{"type":"blockdev-snapshot-internal-sync","data":{"device":"drive0","name":"s1"}},{"type":"blockdev-snapshot-internal-sync","data":{"device":"drive1","name":"s1"}}]}""",
            command.BuildArguments()!.ToJsonString());
    }
}
