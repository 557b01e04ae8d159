using Vireo.Persistence;

namespace Vireo.Core.Tests.Persistence;

public sealed class NetworkStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-netstore-").FullName;
    private VireoStore Open() => VireoStore.Open(Path.Combine(_dir, "vireo.db"));

    private static NetworkRecord Net(string name) => new() { Name = name, SpecJson = "{}", DefinedAt = DateTimeOffset.UtcNow };

    [Fact]
    public void Vms_and_networks_are_stored_side_by_side_and_survive_reopening()
    {
        using (var store = Open())
            store.InsertVm(new VmRecord { Uuid = "u", Name = "vm", SpecJson = "{}", State = "stopped" });
        using var reopened = Open();
        Assert.Single(reopened.ListVms());
        reopened.InsertNetwork(Net("default"));
        Assert.Single(reopened.ListNetworks());
    }

    [Fact]
    public void Forwards_are_unique_per_protocol_address_and_port()
    {
        using var store = Open();
        store.InsertNetwork(Net("default"));
        Assert.True(store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "web", 80)));
        Assert.False(store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "db", 5432)));
        Assert.True(store.InsertPortForward(new PortForwardRecord("default", "udp", "", 8080, "web", 80)));
        Assert.True(store.DeletePortForward("tcp", "", 8080));
        Assert.Single(store.ListPortForwards());
    }

    [Fact]
    public void A_reservation_address_is_unique_per_network_and_replaced_per_vm()
    {
        using var store = Open();
        store.InsertNetwork(Net("default"));
        Assert.True(store.UpsertReservation(new ReservationRecord("default", "web", "192.168.122.10")));
        Assert.True(store.UpsertReservation(new ReservationRecord("default", "web", "192.168.122.11")));
        Assert.False(store.UpsertReservation(new ReservationRecord("default", "db", "192.168.122.11")));
        Assert.Equal("192.168.122.11", Assert.Single(store.ListReservations()).Address);
    }

    [Fact]
    public void Deleting_a_network_deletes_its_forwards_and_reservations()
    {
        using var store = Open();
        store.InsertNetwork(Net("n"));
        store.InsertPortForward(new PortForwardRecord("n", "tcp", "", 2222, "vm", 22));
        store.UpsertReservation(new ReservationRecord("n", "vm", "10.0.0.5"));
        Assert.True(store.DeleteNetwork("n"));
        Assert.Empty(store.ListPortForwards());
        Assert.Empty(store.ListReservations());
        Assert.Throws<DuplicateVmException>(() => { store.InsertNetwork(Net("x")); store.InsertNetwork(Net("x")); });
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
