using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

/// <summary>
/// An image of the catalogue: its base volumes (<c>POOL/NAME</c>, the root disk first; rows of <c>volumes</c> with
/// base = 1) and what <c>vireo create --image</c> takes from it. JSON columns are written by the engine.
/// </summary>
public sealed record ImageRecord(string Name, string? Os, string Format, string? SourceFormat, string Volume, string VolumesJson,
    string? Source, long? VirtualSize, long? ActualSize, DateTimeOffset CreatedAt, string? Description, string? FirmwareJson,
    string? HardwareJson, string? Recipe);

public sealed partial class VireoStore
{
    private const string ImageColumns =
        "name, os, format, source_format, volume, volumes_json, source, virtual_size, actual_size, created_at, description, firmware_json, hardware_json, recipe";

    public IReadOnlyList<ImageRecord> ListImages()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ImageColumns} FROM images ORDER BY name";
        var result = new List<ImageRecord>();
        using var reader = command.ExecuteReader();
        string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        long? L(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        while (reader.Read())
            result.Add(new ImageRecord(reader.GetString(0), S(1), reader.GetString(2), S(3), reader.GetString(4), reader.GetString(5), S(6),
                L(7), L(8), Parse(reader.GetString(9)), S(10), S(11), S(12), S(13)));
        return result;
    }

    /// <summary>
    /// Records an image and its base volumes (files complete, in the pool) in one transaction; with
    /// <paramref name="replacing"/>, the old registration of that name and its volumes go in the same transaction.
    /// False when the name or a volume is taken.
    /// </summary>
    public bool InsertImage(ImageRecord image, IReadOnlyList<VolumeRecord> volumes, ImageRecord? replacing = null, IReadOnlyList<VolumeRecord>? replacedVolumes = null)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        try
        {
            if (replacing is not null)
            {
                Run(connection, tx, "DELETE FROM images WHERE name = $n", ("$n", replacing.Name));
                foreach (var v in replacedVolumes ?? [])
                    Run(connection, tx, "DELETE FROM volumes WHERE pool = $p AND name = $n", ("$p", v.Pool), ("$n", v.Name));
            }
            foreach (var v in volumes)
                Run(connection, tx, InsertVolumeSql, VolumeParameters(v));
            Run(connection, tx, $"INSERT INTO images ({ImageColumns}) VALUES ($n, $os, $f, $sf, $v, $vs, $src, $vsz, $asz, $at, $d, $fw, $hw, $r)",
                ("$n", image.Name), ("$os", image.Os), ("$f", image.Format), ("$sf", image.SourceFormat), ("$v", image.Volume),
                ("$vs", image.VolumesJson), ("$src", image.Source), ("$vsz", image.VirtualSize), ("$asz", image.ActualSize),
                ("$at", Format(image.CreatedAt)), ("$d", image.Description), ("$fw", image.FirmwareJson), ("$hw", image.HardwareJson), ("$r", image.Recipe));
            tx.Commit();
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 && e.SqliteExtendedErrorCode is 1555 or 2067)
        {
            tx.Rollback();
            return false;
        }
    }

    /// <summary>Removes an image and its base volumes' rows in one transaction (the caller removes the files after).</summary>
    public bool DeleteImage(string name, IReadOnlyList<VolumeRecord> volumes)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        var n = RunRows(connection, tx, "DELETE FROM images WHERE name = $n", ("$n", name));
        foreach (var v in volumes)
            Run(connection, tx, "DELETE FROM volumes WHERE pool = $p AND name = $n", ("$p", v.Pool), ("$n", v.Name));
        tx.Commit();
        return n > 0;
    }

    private static int RunRows(SqliteConnection connection, SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }
}
