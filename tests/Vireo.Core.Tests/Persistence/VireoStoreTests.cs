using Vireo.Persistence;

namespace Vireo.Core.Tests.Persistence;

public sealed class VireoStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-store-").FullName;
    private string Db => Path.Combine(_dir, "vireo.db");

    private static VmRecord Vm(string name, string uuid) => new()
    {
        Uuid = uuid,
        Name = name,
        SpecJson = $"{{\"name\":\"{name}\"}}",
        State = "stopped",
        DefinedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void Rows_survive_reopening_the_database()
    {
        using (var store = VireoStore.Open(Db))
        {
            store.InsertVm(Vm("a", "u1"));
            store.UpdateState("u1", "running", "started", new VmRuntimeRecord { Pid = 42, PidStartTicks = 7, Accel = "tcg", StartedAt = DateTimeOffset.UnixEpoch, VncPort = 5900 });
        }
        using var reopened = VireoStore.Open(Db);
        var vm = Assert.Single(reopened.ListVms());
        Assert.Equal("running", vm.State);
        Assert.Equal("started", vm.Reason);
        Assert.Equal(42, vm.Runtime!.Pid);
        Assert.Equal(7, vm.Runtime.PidStartTicks);
        Assert.Equal(5900, vm.Runtime.VncPort);
    }

    [Fact]
    public void Clearing_the_runtime_removes_the_process_identity()
    {
        using var store = VireoStore.Open(Db);
        store.InsertVm(Vm("a", "u1"));
        store.UpdateState("u1", "running", null, new VmRuntimeRecord { Pid = 42, Accel = "tcg" });
        store.UpdateState("u1", "stopped", "destroyed", null);
        Assert.Null(store.FindVm("a")!.Runtime);
    }

    [Fact]
    public void A_duplicate_name_or_uuid_is_refused_and_nothing_is_written()
    {
        using var store = VireoStore.Open(Db);
        store.InsertVm(Vm("a", "u1"));
        var byName = Assert.Throws<DuplicateVmException>(() => store.InsertVm(Vm("a", "u2")));
        Assert.Equal("name", byName.Field);
        var byUuid = Assert.Throws<DuplicateVmException>(() => store.InsertVm(Vm("b", "u1")));
        Assert.Equal("uuid", byUuid.Field);
        Assert.Single(store.ListVms());
    }

    [Fact]
    public void Delete_reports_whether_the_vm_existed()
    {
        using var store = VireoStore.Open(Db);
        store.InsertVm(Vm("a", "u1"));
        Assert.True(store.DeleteVm("u1"));
        Assert.False(store.DeleteVm("u1"));
        Assert.Empty(store.ListVms());
    }

    [Fact]
    public void Snapshots_recorded_before_read_only_disks_were_kept_read_back_as_not_recorded()
    {
        using (var store = VireoStore.Open(Db))
            store.InsertVm(Vm("a", "u1"));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The database as the previous schema (5) left it, with a snapshot of that time.
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db}"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = """
                DROP TABLE tokens;
                DROP TABLE audit;
                DROP TABLE images;
                ALTER TABLE vms DROP COLUMN revision;
                ALTER TABLE vms DROP COLUMN pending_spec_json;
                ALTER TABLE snapshots DROP COLUMN memory_layout_json;
                ALTER TABLE snapshots DROP COLUMN read_only_disks_json;
                ALTER TABLE dhcp_reservations DROP COLUMN origin;
                ALTER TABLE volumes DROP COLUMN base;
                DROP TABLE storage_journal;
                INSERT INTO snapshots (vm_uuid, name, kind, vm_state, created_at, disks_json, is_current)
                VALUES ('u1', 'old', 'memory', 'running', '2026-11-24T00:00:00.0000000+00:00', '[]', 1);
                PRAGMA user_version = 5;
                """;
            command.ExecuteNonQuery();
        }
        // Pooled connections would keep the schema they read before the change.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var reopened = VireoStore.Open(Db);
        reopened.InsertSnapshot(new SnapshotRecord
        {
            VmUuid = "u1", Name = "new", Kind = "memory", VmState = "running", CreatedAt = DateTimeOffset.UtcNow,
            DisksJson = "[]", ReadOnlyDisksJson = "[\"/p/base.raw\"]",
        });
        var snapshots = reopened.ListSnapshots("u1");
        Assert.Null(snapshots.Single(s => s.Name == "old").ReadOnlyDisksJson);
        Assert.Equal("[\"/p/base.raw\"]", snapshots.Single(s => s.Name == "new").ReadOnlyDisksJson);
        Assert.Equal("old", snapshots.Single(s => s.Name == "new").Parent);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_clearly()
    {
        File.WriteAllText(Db, "this is not sqlite, just some text long enough to look like a header...........");
        var e = Assert.Throws<StoreUnavailableException>(() => VireoStore.Open(Db));
        Assert.Contains(Db, e.Message);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
