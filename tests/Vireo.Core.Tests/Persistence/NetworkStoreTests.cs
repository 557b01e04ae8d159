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

    [Fact]
    public void A_forward_and_the_reservation_it_makes_are_stored_together_or_not_at_all()
    {
        using var store = Open();
        store.InsertNetwork(Net("default"));
        var made = new ReservationRecord("default", "web", "192.168.122.254", ReservationOrigin.Forward);
        Assert.True(store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "web", 80), made));
        Assert.Equal(made, Assert.Single(store.ListReservations()));

        // The port is taken: neither the forward nor its reservation (for another VM) is stored.
        Assert.False(store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "db", 80),
            new ReservationRecord("default", "db", "192.168.122.253", ReservationOrigin.Forward)));
        // The address is taken: the forward is not stored either.
        Assert.False(store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8081, "db", 80),
            new ReservationRecord("default", "db", "192.168.122.254", ReservationOrigin.Forward)));
        Assert.Single(store.ListPortForwards());
        Assert.Equal(made, Assert.Single(store.ListReservations()));
    }

    [Fact]
    public void Removing_a_forward_removes_the_reservation_it_made_only_with_the_vms_last_forward()
    {
        using var store = Open();
        store.InsertNetwork(Net("default"));
        store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "web", 80),
            new ReservationRecord("default", "web", "192.168.122.254", ReservationOrigin.Forward));
        store.InsertPortForward(new PortForwardRecord("default", "tcp", "127.0.0.1", 8443, "web", 443));

        var first = store.RemovePortForward("tcp", "", 8080);
        Assert.Equal(8080, first.Forward?.HostPort);
        Assert.Null(first.ReleasedReservation);
        Assert.Single(store.ListReservations());

        var last = store.RemovePortForward("tcp", "127.0.0.1", 8443);
        Assert.Equal(new ReservationRecord("default", "web", "192.168.122.254", ReservationOrigin.Forward), last.ReleasedReservation);
        Assert.Empty(store.ListReservations());
        Assert.Empty(store.ListPortForwards());

        var none = store.RemovePortForward("tcp", "", 8080);
        Assert.Null(none.Forward);
        Assert.Null(none.ReleasedReservation);
    }

    [Fact]
    public void A_reservation_the_user_made_or_took_over_stays_when_the_forward_goes()
    {
        using var store = Open();
        store.InsertNetwork(Net("default"));
        store.UpsertReservation(new ReservationRecord("default", "db", "192.168.122.50"));
        store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 5432, "db", 5432));
        store.InsertPortForward(new PortForwardRecord("default", "tcp", "", 8080, "web", 80),
            new ReservationRecord("default", "web", "192.168.122.254", ReservationOrigin.Forward));
        // vireo net reserve on the forward's reservation: the user's from now on.
        store.UpsertReservation(new ReservationRecord("default", "web", "192.168.122.60", ReservationOrigin.User));

        Assert.Null(store.RemovePortForward("tcp", "", 5432).ReleasedReservation);
        Assert.Null(store.RemovePortForward("tcp", "", 8080).ReleasedReservation);

        Assert.Equal(["db user 192.168.122.50", "web user 192.168.122.60"],
            store.ListReservations().Select(r => $"{r.Vm} {r.Origin} {r.Address}").Order().ToArray());
    }

    [Fact]
    public void Reservations_from_before_origins_were_recorded_read_back_as_the_users()
    {
        using (var store = Open())
            store.InsertNetwork(Net("default"));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        // The database as the schema before origins left it, with a reservation that a forward or the user may have made.
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir, "vireo.db")}"))
        {
            old.Open();
            using var version = old.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            // The origin column is the step before the latest one (read-only bases and the storage journal), which
            // is undone as well (the lead may renumber them, never reorder them).
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
                ALTER TABLE dhcp_reservations DROP COLUMN origin;
                INSERT INTO dhcp_reservations (network, vm, address) VALUES ('default', 'web', '192.168.122.254');
                INSERT INTO port_forwards (network, protocol, host_address, host_port, vm, guest_port) VALUES ('default', 'tcp', '', 8080, 'web', 80);
                PRAGMA user_version = 6;
                """;
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var reopened = Open();
        Assert.Equal(ReservationOrigin.User, Assert.Single(reopened.ListReservations()).Origin);
        Assert.Null(reopened.RemovePortForward("tcp", "", 8080).ReleasedReservation);
        Assert.Single(reopened.ListReservations());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
