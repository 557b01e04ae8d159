using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

public sealed partial class VireoStore
{
    public IReadOnlyList<NetworkRecord> ListNetworks()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, spec_json, active, reason, defined_at FROM networks ORDER BY name";
        var result = new List<NetworkRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new NetworkRecord
            {
                Name = reader.GetString(0),
                SpecJson = reader.GetString(1),
                Active = reader.GetInt64(2) != 0,
                Reason = reader.IsDBNull(3) ? null : reader.GetString(3),
                DefinedAt = DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            });
        }
        return result;
    }

    /// <summary>Inserts a network; throws <see cref="DuplicateVmException"/> (field "network") when the name is taken.</summary>
    public void InsertNetwork(NetworkRecord network)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using (var exists = connection.CreateCommand())
        {
            exists.Transaction = tx;
            exists.CommandText = "SELECT 1 FROM networks WHERE name = $n";
            exists.Parameters.AddWithValue("$n", network.Name);
            if (exists.ExecuteScalar() is not null)
                throw new DuplicateVmException("network name", network.Name);
        }
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = """
            INSERT INTO networks (name, spec_json, active, reason, defined_at, updated_at)
            VALUES ($n, $spec, $active, $reason, $at, $at)
            """;
        command.Parameters.AddWithValue("$n", network.Name);
        command.Parameters.AddWithValue("$spec", network.SpecJson);
        command.Parameters.AddWithValue("$active", network.Active ? 1 : 0);
        command.Parameters.AddWithValue("$reason", (object?)network.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", network.DefinedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        tx.Commit();
    }

    public void UpdateNetworkState(string name, bool active, string? reason) =>
        Execute("UPDATE networks SET active = $a, reason = $r, updated_at = $now WHERE name = $n",
            ("$a", active ? 1 : 0), ("$r", reason), ("$now", Now()), ("$n", name));

    /// <summary>Deletes a network with its forwards and reservations.</summary>
    public bool DeleteNetwork(string name) => Execute("DELETE FROM networks WHERE name = $n", ("$n", name)) > 0;

    public IReadOnlyList<PortForwardRecord> ListPortForwards()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT network, protocol, host_address, host_port, vm, guest_port FROM port_forwards ORDER BY host_port, protocol";
        var result = new List<PortForwardRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result.Add(new PortForwardRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4), reader.GetInt32(5)));
        return result;
    }

    /// <summary>
    /// Adds a forward and, when <paramref name="reservation"/> is given, the reservation it makes for its VM, in one
    /// transaction: both or neither. False (nothing stored) when the same protocol, host address and port is already
    /// forwarded, or the reservation's VM or address is taken on its network.
    /// </summary>
    public bool InsertPortForward(PortForwardRecord forward, ReservationRecord? reservation = null)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        try
        {
            if (reservation is not null)
                Run(connection, tx, "INSERT INTO dhcp_reservations (network, vm, address, origin) VALUES ($n, $vm, $a, $o)",
                    ("$n", reservation.Network), ("$vm", reservation.Vm), ("$a", reservation.Address), ("$o", reservation.Origin));
            Run(connection, tx, """
                INSERT INTO port_forwards (network, protocol, host_address, host_port, vm, guest_port)
                VALUES ($n, $p, $a, $hp, $vm, $gp)
                """,
                ("$n", forward.Network), ("$p", forward.Protocol), ("$a", forward.HostAddress), ("$hp", forward.HostPort),
                ("$vm", forward.Vm), ("$gp", forward.GuestPort));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }
        tx.Commit();
        return true;
    }

    /// <summary>
    /// Removes a forward and, in the same transaction, the reservation it made (origin <c>forward</c>) when no other
    /// forward of the same VM on the same network is left. A reservation the user made stays.
    /// </summary>
    public PortForwardRemoval RemovePortForward(string protocol, string hostAddress, int hostPort)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        PortForwardRecord? forward = null;
        using (var find = connection.CreateCommand())
        {
            find.Transaction = tx;
            find.CommandText = """
                SELECT network, protocol, host_address, host_port, vm, guest_port FROM port_forwards
                WHERE protocol = $p AND host_address = $a AND host_port = $hp
                """;
            find.Parameters.AddWithValue("$p", protocol);
            find.Parameters.AddWithValue("$a", hostAddress);
            find.Parameters.AddWithValue("$hp", hostPort);
            using var reader = find.ExecuteReader();
            if (reader.Read())
                forward = new PortForwardRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4), reader.GetInt32(5));
        }
        if (forward is null)
            return new PortForwardRemoval(null, null);
        Run(connection, tx, "DELETE FROM port_forwards WHERE protocol = $p AND host_address = $a AND host_port = $hp",
            ("$p", protocol), ("$a", hostAddress), ("$hp", hostPort));
        ReservationRecord? released = null;
        using (var orphan = connection.CreateCommand())
        {
            orphan.Transaction = tx;
            orphan.CommandText = """
                DELETE FROM dhcp_reservations
                WHERE network = $n AND vm = $vm AND origin = 'forward'
                  AND NOT EXISTS (SELECT 1 FROM port_forwards WHERE network = $n AND vm = $vm)
                RETURNING address
                """;
            orphan.Parameters.AddWithValue("$n", forward.Network);
            orphan.Parameters.AddWithValue("$vm", forward.Vm);
            if (orphan.ExecuteScalar() is string address)
                released = new ReservationRecord(forward.Network, forward.Vm, address, ReservationOrigin.Forward);
        }
        tx.Commit();
        return new PortForwardRemoval(forward, released);
    }

    public bool DeletePortForward(string protocol, string hostAddress, int hostPort) =>
        Execute("DELETE FROM port_forwards WHERE protocol = $p AND host_address = $a AND host_port = $hp",
            ("$p", protocol), ("$a", hostAddress), ("$hp", hostPort)) > 0;

    public IReadOnlyList<ReservationRecord> ListReservations()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT network, vm, address, origin FROM dhcp_reservations ORDER BY network, address";
        var result = new List<ReservationRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result.Add(new ReservationRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        return result;
    }

    /// <summary>
    /// Sets a VM's reservation on a network (replacing an earlier one, origin included: a reservation the user sets
    /// is the user's from then on); false when the address is taken.
    /// </summary>
    public bool UpsertReservation(ReservationRecord reservation)
    {
        try
        {
            Execute("""
                INSERT INTO dhcp_reservations (network, vm, address, origin) VALUES ($n, $vm, $a, $o)
                ON CONFLICT (network, vm) DO UPDATE SET address = excluded.address, origin = excluded.origin
                """,
                ("$n", reservation.Network), ("$vm", reservation.Vm), ("$a", reservation.Address), ("$o", reservation.Origin));
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }
    }

    public bool DeleteReservation(string network, string vm) =>
        Execute("DELETE FROM dhcp_reservations WHERE network = $n AND vm = $vm", ("$n", network), ("$vm", vm)) > 0;

    /// <summary>A one-off fact stored under <paramref name="key"/>, or null.</summary>
    public string? GetMeta(string key)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    public void SetMeta(string key, string value) =>
        Execute("INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$k", key), ("$v", value));
}
