using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

public sealed partial class VireoStore
{
    public IReadOnlyList<PoolRecord> ListPools()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, path, created_dir, created_at FROM pools ORDER BY name";
        var result = new List<PoolRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result.Add(new PoolRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0, Parse(reader.GetString(3))));
        return result;
    }

    /// <summary>Inserts a pool; false when the name or the path is taken.</summary>
    public bool InsertPool(PoolRecord pool)
    {
        try
        {
            Execute("INSERT INTO pools (name, path, created_dir, created_at) VALUES ($n, $p, $c, $at)",
                ("$n", pool.Name), ("$p", pool.Path), ("$c", pool.CreatedDirectory ? 1 : 0), ("$at", Format(pool.CreatedAt)));
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return false;
        }
    }

    /// <summary>Deletes a pool; refused by the database (a <see cref="SqliteException"/>) while it holds volumes.</summary>
    public bool DeletePool(string name) => Execute("DELETE FROM pools WHERE name = $n", ("$n", name)) > 0;

    public IReadOnlyList<VolumeRecord> ListVolumes()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT pool, name, format, backing_pool, backing_name, preallocation, created_at, base FROM volumes ORDER BY pool, name";
        var result = new List<VolumeRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new VolumeRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), Parse(reader.GetString(6)), reader.GetInt64(7) != 0));
        }
        return result;
    }

    /// <summary>Records a volume whose file is complete; false when the pool/name is taken.</summary>
    public bool InsertVolume(VolumeRecord volume)
    {
        try
        {
            Execute(InsertVolumeSql, VolumeParameters(volume));
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 && e.SqliteExtendedErrorCode is 1555 or 2067)
        {
            // 1555/2067: primary key or unique constraint; a foreign key failure (787) is a bug and propagates.
            return false;
        }
    }

    private const string InsertVolumeSql = """
        INSERT INTO volumes (pool, name, format, backing_pool, backing_name, preallocation, created_at, base)
        VALUES ($p, $n, $f, $bp, $bn, $pre, $at, $base)
        """;

    private static (string, object?)[] VolumeParameters(VolumeRecord volume) =>
    [
        ("$p", volume.Pool), ("$n", volume.Name), ("$f", volume.Format), ("$bp", volume.BackingPool),
        ("$bn", volume.BackingName), ("$pre", volume.Preallocation), ("$at", Format(volume.CreatedAt)), ("$base", volume.Base ? 1 : 0),
    ];

    /// <summary>Journal entries of storage changes that were begun and never recorded, oldest first.</summary>
    public IReadOnlyList<StorageJournalRecord> ListStorageJournal()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, kind, body_json, created_at FROM storage_journal ORDER BY created_at, id";
        var result = new List<StorageJournalRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result.Add(new StorageJournalRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), Parse(reader.GetString(3))));
        return result;
    }

    /// <summary>Records that a multi-file change begins; written (and durable) before its first file changes.</summary>
    public void InsertStorageJournal(StorageJournalRecord entry) =>
        Execute("INSERT INTO storage_journal (id, kind, body_json, created_at) VALUES ($id, $k, $b, $at)",
            ("$id", entry.Id), ("$k", entry.Kind), ("$b", entry.BodyJson), ("$at", Format(entry.CreatedAt)));

    /// <summary>Forgets a journal entry whose files were put back as they were.</summary>
    public bool DeleteStorageJournal(string id) => Execute("DELETE FROM storage_journal WHERE id = $id", ("$id", id)) > 0;

    /// <summary>
    /// Records the result of a journalled change in one transaction (see <see cref="StorageCommit"/>). Throws
    /// <see cref="DuplicateVmException"/> when the new VM's name or UUID is taken, and
    /// <see cref="InvalidOperationException"/> when the journal entry is gone or a volume to change does not
    /// exist; nothing is written then.
    /// </summary>
    public void CommitStorageChange(StorageCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        if (Scalar(connection, tx, "SELECT 1 FROM storage_journal WHERE id = $id", ("$id", commit.JournalId)) is null)
            throw new InvalidOperationException($"storage journal entry {commit.JournalId} does not exist");
        foreach (var volume in commit.InsertVolumes)
            Run(connection, tx, InsertVolumeSql, VolumeParameters(volume));
        foreach (var volume in commit.UpdateVolumes)
        {
            using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = """
                UPDATE volumes SET format = $f, backing_pool = $bp, backing_name = $bn, preallocation = $pre, base = $base
                WHERE pool = $p AND name = $n
                """;
            foreach (var (name, value) in VolumeParameters(volume))
                update.Parameters.AddWithValue(name, value ?? DBNull.Value);
            if (update.ExecuteNonQuery() != 1)
                throw new InvalidOperationException($"volume {volume.Pool}/{volume.Name} does not exist");
        }
        foreach (var vm in commit.UpdateVms)
            Run(connection, tx, "UPDATE vms SET spec_json = $spec, revision = revision + 1, updated_at = $now WHERE uuid = $uuid", ("$spec", vm.SpecJson), ("$now", Now()), ("$uuid", vm.Uuid));
        if (commit.InsertVm is { } newVm)
            InsertVm(connection, tx, newVm);
        Run(connection, tx, "DELETE FROM storage_journal WHERE id = $id", ("$id", commit.JournalId));
        tx.Commit();
    }

    /// <summary>Deletes a volume's row; refused by the database while another volume has it as backing.</summary>
    public bool DeleteVolume(string pool, string name) =>
        Execute("DELETE FROM volumes WHERE pool = $p AND name = $n", ("$p", pool), ("$n", name)) > 0;
}
