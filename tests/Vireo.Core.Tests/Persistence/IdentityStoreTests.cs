using Microsoft.Data.Sqlite;
using Vireo.Persistence;

namespace Vireo.Core.Tests.Persistence;

/// <summary>The store's side of rename and of journalled storage changes: one transaction each, all or nothing.</summary>
public sealed class IdentityStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-idstore-").FullName;
    private VireoStore Open() => VireoStore.Open(Path.Combine(_dir, "vireo.db"));

    private static VmRecord Vm(string uuid, string name) => new() { Uuid = uuid, Name = name, SpecJson = $$"""{"name":"{{name}}"}""", State = "stopped" };

    private static void Network(VireoStore store, string name) =>
        store.InsertNetwork(new NetworkRecord { Name = name, SpecJson = "{}", DefinedAt = DateTimeOffset.UtcNow });

    [Fact]
    public void A_rename_moves_the_row_forwards_and_reservations_together_and_survives_reopening()
    {
        using (var store = Open())
        {
            Network(store, "default");
            Network(store, "lab");
            store.InsertVm(Vm("u1", "web"));
            store.InsertVm(Vm("u2", "db"));
            store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "web", 80));
            store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 5432, "db", 5432));
            store.UpsertReservation(new ReservationRecord("default", "web", "192.168.122.10"));
            store.UpsertReservation(new ReservationRecord("lab", "web", "10.0.0.10"));
            // A leftover of an undefine that was killed before its cleanup: it must not block the rename.
            store.UpsertReservation(new ReservationRecord("lab", "web2", "10.0.0.99"));
            Assert.True(store.RenameVm("u1", "web2", """{"name":"web2"}"""));
        }
        using var reopened = Open();
        Assert.Equal(["db", "web2"], reopened.ListVms().Select(v => v.Name));
        Assert.Equal("""{"name":"web2"}""", reopened.FindVm("web2")!.SpecJson);
        Assert.Equal([("db", 5432), ("web2", 8080)], reopened.ListPortForwards().Select(f => (f.Vm, f.HostPort)).Order());
        Assert.Equal([("default", "web2", "192.168.122.10"), ("lab", "web2", "10.0.0.10")],
            reopened.ListReservations().Select(r => (r.Network, r.Vm, r.Address)).Order());
    }

    [Fact]
    public void A_rename_to_a_taken_name_changes_nothing()
    {
        using var store = Open();
        Network(store, "default");
        store.InsertVm(Vm("u1", "web"));
        store.InsertVm(Vm("u2", "db"));
        store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "web", 80));
        var e = Assert.Throws<DuplicateVmException>(() => store.RenameVm("u1", "db", "{}"));
        Assert.Equal("db", e.Value);
        Assert.Equal(["db", "web"], store.ListVms().Select(v => v.Name));
        Assert.Equal("web", Assert.Single(store.ListPortForwards()).Vm);
        Assert.False(store.RenameVm("nope", "x", "{}"));
    }

    [Fact]
    public void A_storage_commit_is_all_or_nothing_and_takes_its_journal_entry_with_it()
    {
        using var store = Open();
        var now = DateTimeOffset.UtcNow;
        store.InsertPool(new PoolRecord("default", _dir, false, now));
        store.InsertVolume(new VolumeRecord("default", "a.qcow2", "qcow2", null, null, "off", now));
        store.InsertStorageJournal(new StorageJournalRecord("j1", "linked-clone", "{}", now));
        var commit = new StorageCommit
        {
            JournalId = "j1",
            InsertVolumes = [new VolumeRecord("default", "a.base.qcow2", "qcow2", null, null, "off", now, Base: true)],
            UpdateVolumes = [new VolumeRecord("default", "a.qcow2", "qcow2", "default", "a.base.qcow2", "off", now)],
            InsertVm = Vm("u1", "web"),
        };
        // A VM of that name exists: the whole commit fails, nothing of it is written, the journal entry stays.
        store.InsertVm(Vm("u0", "web"));
        Assert.Throws<DuplicateVmException>(() => store.CommitStorageChange(commit));
        Assert.Equal(["a.qcow2"], store.ListVolumes().Select(v => v.Name));
        Assert.Single(store.ListStorageJournal());

        store.DeleteVm("u0");
        store.CommitStorageChange(commit);
        var volumes = store.ListVolumes().ToDictionary(v => v.Name);
        Assert.True(volumes["a.base.qcow2"].Base);
        Assert.Equal("a.base.qcow2", volumes["a.qcow2"].BackingName);
        Assert.Empty(store.ListStorageJournal());
        // Committed once: the journal entry is gone, so the same commit cannot be applied twice.
        Assert.Throws<InvalidOperationException>(() => store.CommitStorageChange(commit));
        // The base backs a volume: the database itself refuses to delete it.
        Assert.Throws<SqliteException>(() => store.DeleteVolume("default", "a.base.qcow2"));
    }

    [Fact]
    public void Volumes_from_before_bases_were_recorded_read_back_as_ordinary_volumes()
    {
        var now = DateTimeOffset.UtcNow;
        using (var store = Open())
        {
            store.InsertPool(new PoolRecord("default", _dir, false, now));
            store.InsertVolume(new VolumeRecord("default", "a.qcow2", "qcow2", null, null, "off", now));
        }
        SqliteConnection.ClearAllPools();
        // The database as the schema before bases left it (bases are the latest step; the lead may renumber it).
        using (var old = new SqliteConnection($"Data Source={Path.Combine(_dir, "vireo.db")}"))
        {
            old.Open();
            using var version = old.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            Assert.True(Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) >= 11);
            using var command = old.CreateCommand();
            command.CommandText = $"""
                DROP TABLE tokens;
                DROP TABLE audit;
                DROP TABLE images;
                ALTER TABLE vms DROP COLUMN revision;
                ALTER TABLE vms DROP COLUMN pending_spec_json;
                ALTER TABLE snapshots DROP COLUMN memory_layout_json;
                ALTER TABLE volumes DROP COLUMN base;
                DROP TABLE storage_journal;
                PRAGMA user_version = 7;
                """;
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        using var reopened = Open();
        Assert.False(Assert.Single(reopened.ListVolumes()).Base);
        Assert.Empty(reopened.ListStorageJournal());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
