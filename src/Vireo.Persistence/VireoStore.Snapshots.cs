using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

/// <summary>
/// The snapshot tree of each VM. Every change that touches the tree (a new current, reparenting) is one
/// transaction, so the tree is never seen half-updated.
/// </summary>
public sealed partial class VireoStore
{
    private const string SnapshotColumns = "vm_uuid, name, parent, kind, vm_state, created_at, description, disks_json, is_current, read_only_disks_json, memory_layout_json";

    /// <summary>A VM's snapshots, oldest first.</summary>
    public IReadOnlyList<SnapshotRecord> ListSnapshots(string vmUuid)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SnapshotColumns} FROM snapshots WHERE vm_uuid = $vm ORDER BY created_at, rowid";
        command.Parameters.AddWithValue("$vm", vmUuid);
        var result = new List<SnapshotRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new SnapshotRecord
            {
                VmUuid = reader.GetString(0),
                Name = reader.GetString(1),
                Parent = reader.IsDBNull(2) ? null : reader.GetString(2),
                Kind = reader.GetString(3),
                VmState = reader.GetString(4),
                CreatedAt = Parse(reader.GetString(5)),
                Description = reader.IsDBNull(6) ? null : reader.GetString(6),
                DisksJson = reader.GetString(7),
                IsCurrent = reader.GetInt64(8) != 0,
                ReadOnlyDisksJson = reader.IsDBNull(9) ? null : reader.GetString(9),
                MemoryLayoutJson = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }
        return result;
    }

    /// <summary>
    /// Adds a snapshot as the VM's new current one, its parent being the previous current one (the record's
    /// <see cref="SnapshotRecord.Parent"/> is ignored). Throws <see cref="DuplicateSnapshotException"/> when the
    /// name is taken.
    /// </summary>
    public void InsertSnapshot(SnapshotRecord snapshot)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        if (Scalar(connection, tx, "SELECT 1 FROM snapshots WHERE vm_uuid = $vm AND name = $n", ("$vm", snapshot.VmUuid), ("$n", snapshot.Name)) is not null)
            throw new DuplicateSnapshotException(snapshot.Name);
        var parent = Scalar(connection, tx, "SELECT name FROM snapshots WHERE vm_uuid = $vm AND is_current = 1", ("$vm", snapshot.VmUuid)) as string;
        Run(connection, tx, "UPDATE snapshots SET is_current = 0 WHERE vm_uuid = $vm", ("$vm", snapshot.VmUuid));
        Run(connection, tx, $"""
            INSERT INTO snapshots ({SnapshotColumns})
            VALUES ($vm, $n, $parent, $kind, $state, $created, $description, $disks, 1, $readOnly, $layout)
            """,
            ("$vm", snapshot.VmUuid), ("$n", snapshot.Name), ("$parent", parent), ("$kind", snapshot.Kind),
            ("$state", snapshot.VmState), ("$created", Format(snapshot.CreatedAt)), ("$description", snapshot.Description),
            ("$disks", snapshot.DisksJson), ("$readOnly", snapshot.ReadOnlyDisksJson), ("$layout", snapshot.MemoryLayoutJson));
        tx.Commit();
    }

    /// <summary>Makes <paramref name="name"/> the VM's current snapshot (after a revert); false when it does not exist.</summary>
    public bool SetCurrentSnapshot(string vmUuid, string name)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        if (Scalar(connection, tx, "SELECT 1 FROM snapshots WHERE vm_uuid = $vm AND name = $n", ("$vm", vmUuid), ("$n", name)) is null)
            return false;
        Run(connection, tx, "UPDATE snapshots SET is_current = (name = $n) WHERE vm_uuid = $vm", ("$vm", vmUuid), ("$n", name));
        tx.Commit();
        return true;
    }

    /// <summary>Makes <paramref name="name"/> the VM's current snapshot, or none when null (the undo of a revert).</summary>
    public void RestoreCurrentSnapshot(string vmUuid, string? name)
    {
        if (name is not null && SetCurrentSnapshot(vmUuid, name))
            return;
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        Run(connection, tx, "UPDATE snapshots SET is_current = 0 WHERE vm_uuid = $vm", ("$vm", vmUuid));
        tx.Commit();
    }

    /// <summary>
    /// Deletes a snapshot record: its children get its parent as their parent, and if it was current its parent
    /// becomes current (none when it was a root). False when it did not exist.
    /// </summary>
    public bool DeleteSnapshot(string vmUuid, string name)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using (var find = connection.CreateCommand())
        {
            find.Transaction = tx;
            find.CommandText = "SELECT parent, is_current FROM snapshots WHERE vm_uuid = $vm AND name = $n";
            find.Parameters.AddWithValue("$vm", vmUuid);
            find.Parameters.AddWithValue("$n", name);
            using var reader = find.ExecuteReader();
            if (!reader.Read())
                return false;
            var parent = reader.IsDBNull(0) ? null : reader.GetString(0);
            var current = reader.GetInt64(1) != 0;
            reader.Close();
            Run(connection, tx, "UPDATE snapshots SET parent = $p WHERE vm_uuid = $vm AND parent = $n", ("$vm", vmUuid), ("$n", name), ("$p", parent));
            Run(connection, tx, "DELETE FROM snapshots WHERE vm_uuid = $vm AND name = $n", ("$vm", vmUuid), ("$n", name));
            if (current && parent is not null)
                Run(connection, tx, "UPDATE snapshots SET is_current = 1 WHERE vm_uuid = $vm AND name = $p", ("$vm", vmUuid), ("$p", parent));
        }
        tx.Commit();
        return true;
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (n, v) in parameters)
            command.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return command.ExecuteScalar();
    }

    private static void Run(SqliteConnection connection, SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (n, v) in parameters)
            command.Parameters.AddWithValue(n, v ?? DBNull.Value);
        command.ExecuteNonQuery();
    }
}
