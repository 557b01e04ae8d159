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
