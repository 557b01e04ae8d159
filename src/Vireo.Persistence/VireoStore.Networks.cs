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

    /// <summary>Adds a forward; false when the same protocol, host address and port is already forwarded.</summary>
    public bool InsertPortForward(PortForwardRecord forward)
    {
        try
        {
            Execute("""
                INSERT INTO port_forwards (network, protocol, host_address, host_port, vm, guest_port)
                VALUES ($n, $p, $a, $hp, $vm, $gp)
                """,
                ("$n", forward.Network), ("$p", forward.Protocol), ("$a", forward.HostAddress), ("$hp", forward.HostPort),
                ("$vm", forward.Vm), ("$gp", forward.GuestPort));
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }
    }

    public bool DeletePortForward(string protocol, string hostAddress, int hostPort) =>
        Execute("DELETE FROM port_forwards WHERE protocol = $p AND host_address = $a AND host_port = $hp",
            ("$p", protocol), ("$a", hostAddress), ("$hp", hostPort)) > 0;

    public IReadOnlyList<ReservationRecord> ListReservations()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT network, vm, address FROM dhcp_reservations ORDER BY network, address";
        var result = new List<ReservationRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result.Add(new ReservationRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return result;
    }

    /// <summary>Sets a VM's reservation on a network (replacing an earlier one); false when the address is taken.</summary>
    public bool UpsertReservation(ReservationRecord reservation)
    {
        try
        {
            Execute("""
                INSERT INTO dhcp_reservations (network, vm, address) VALUES ($n, $vm, $a)
                ON CONFLICT (network, vm) DO UPDATE SET address = excluded.address
                """,
                ("$n", reservation.Network), ("$vm", reservation.Vm), ("$a", reservation.Address));
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
