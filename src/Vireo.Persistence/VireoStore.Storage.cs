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
        command.CommandText = "SELECT pool, name, format, backing_pool, backing_name, preallocation, created_at FROM volumes ORDER BY pool, name";
        var result = new List<VolumeRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new VolumeRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), Parse(reader.GetString(6))));
        }
        return result;
    }

    /// <summary>Records a volume whose file is complete; false when the pool/name is taken.</summary>
    public bool InsertVolume(VolumeRecord volume)
    {
        try
        {
            Execute("""
                INSERT INTO volumes (pool, name, format, backing_pool, backing_name, preallocation, created_at)
                VALUES ($p, $n, $f, $bp, $bn, $pre, $at)
                """,
                ("$p", volume.Pool), ("$n", volume.Name), ("$f", volume.Format), ("$bp", volume.BackingPool),
                ("$bn", volume.BackingName), ("$pre", volume.Preallocation), ("$at", Format(volume.CreatedAt)));
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 && e.SqliteExtendedErrorCode is 1555 or 2067)
        {
            // 1555/2067: primary key or unique constraint; a foreign key failure (787) is a bug and propagates.
            return false;
        }
    }

    /// <summary>Deletes a volume's row; refused by the database while another volume has it as backing.</summary>
    public bool DeleteVolume(string pool, string name) =>
        Execute("DELETE FROM volumes WHERE pool = $p AND name = $n", ("$p", pool), ("$n", name)) > 0;
}
