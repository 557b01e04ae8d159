using System.Text.Json;
using Xunit;

namespace Vireo.Qmp.Tests.Unit;

public sealed class BackupCommandTests
{
    [Fact]
    public void A_full_backup_action_keeps_the_job_and_sends_no_bitmap()
    {
        var action = BackupActions.Backup(new BlockdevBackupArguments("j0", "drive0", "t0", BackupSyncMode.Full));
        Assert.Equal("blockdev-backup", action.Type);
        Assert.Equal("""{"job-id":"j0","device":"drive0","target":"t0","sync":"full","auto-dismiss":false}""", action.Data.ToJsonString());
    }

    [Fact]
    public void An_incremental_backup_action_names_its_bitmap_its_mode_and_the_speed_limit()
    {
        var args = new BlockdevBackupArguments("j1", "drive0", "t1", BackupSyncMode.Bitmap) { Bitmap = "b", BitmapMode = BitmapSyncMode.Never, Speed = 1048576 };
        Assert.Equal("""{"job-id":"j1","device":"drive0","target":"t1","sync":"bitmap","auto-dismiss":false,"bitmap":"b","bitmap-mode":"never","speed":1048576}""",
            BackupCommands.Backup(args).BuildArguments()!.ToJsonString());
    }

    [Fact]
    public void Bitmap_commands_send_node_name_and_persistence()
    {
        Assert.Equal("""{"node":"drive0","name":"b","persistent":true}""", BackupCommands.AddBitmap("drive0", "b", true).BuildArguments()!.ToJsonString());
        Assert.Equal("block-dirty-bitmap-remove", BackupCommands.RemoveBitmap("drive0", "b").Name);
        Assert.Equal("""{"type":"block-dirty-bitmap-add","data":{"node":"n","name":"b","persistent":true}}""", BackupActions.AddBitmap("n", "b", true).ToJson().ToJsonString());
        Assert.Equal("block-dirty-bitmap-clear", BackupActions.ClearBitmap("n", "b").Type);
    }

    [Fact]
    public void Query_named_block_nodes_reads_sizes_and_an_inconsistent_bitmap_and_skips_a_job_s_anonymous_one()
    {
        // Captured from QEMU 7.2 after it was killed while it had a stored bitmap loaded.
        using var doc = JsonDocument.Parse("""
            [{"node-name":"drive0","drv":"qcow2","file":"/tmp/d.qcow2","image":{"virtual-size":67108864,"filename":"/tmp/d.qcow2"},
              "dirty-bitmaps":[{"recording":true,"persistent":false,"busy":false,"granularity":65536,"count":0},{"name":"vireo-1","recording":false,"persistent":true,"busy":false,"granularity":65536,"count":0,"inconsistent":true}]},
             {"node-name":"drive0-file","drv":"file","file":"/tmp/d.qcow2","image":{"virtual-size":196608}}]
            """);
        var nodes = BackupCommands.QueryNamedBlockNodes().ParseResult(doc.RootElement);
        Assert.Equal("""{"flat":true}""", BackupCommands.QueryNamedBlockNodes().BuildArguments()!.ToJsonString());
        Assert.Equal(2, nodes.Count);
        Assert.Equal(67108864, nodes[0].VirtualSize);
        var bitmap = Assert.Single(nodes[0].DirtyBitmaps);
        Assert.True(bitmap.Inconsistent);
        Assert.False(bitmap.Usable);
        Assert.Equal(65536, bitmap.Granularity);
        Assert.Empty(nodes[1].DirtyBitmaps);
    }
}
